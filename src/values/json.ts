import { binOf, type RubyValue } from './value';

/**
 * JSON text as the Ruby value it stands for, numbers exact: `12345678901234567890` stays that
 * integer and `1.0` stays a float, as Ruby's JSON.parse reads them (JSON.parse would round the one
 * and make an integer of the other). Throws an Error with the offset of the first problem.
 */
export function parseJsonValue(text: string): RubyValue {
  const p = new JsonReader(text);
  p.space();
  const v = p.value();
  p.space();
  if (p.at < text.length) p.fail('unexpected text after the value');
  return v;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;

class JsonReader {
  at = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new Error(`${what} at position ${this.at}`);
  }

  space(): void {
    while (this.at < this.text.length && ' \t\r\n'.includes(this.text[this.at])) this.at++;
  }

  value(): RubyValue {
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { kind: 'string', bin: binOf(this.string()) };
    for (const [word, v] of WORDS) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail(c === undefined ? 'unexpected end of JSON' : `unexpected ${JSON.stringify(c)}`);
    this.at += m[0].length;
    if (m[1] === undefined && m[2] === undefined) return { kind: 'integer', value: BigInt(m[0]) };
    const n = Number(m[0]);
    if (!Number.isFinite(n)) this.fail('a number too large for a float');
    return { kind: 'float', value: n };
  }

  object(): RubyValue {
    const entries: [string, RubyValue][] = [];
    this.at++;
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return { kind: 'hash', entries };
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail('expected a string key');
      const key = binOf(this.string());
      this.space();
      if (this.text[this.at] !== ':') this.fail('expected ":"');
      this.at++;
      this.space();
      const v = this.value();
      // A later duplicate key wins, as in Ruby's JSON.parse.
      const i = entries.findIndex(([k]) => k === key);
      if (i >= 0) entries.splice(i, 1);
      entries.push([key, v]);
      this.space();
      const c = this.text[this.at++];
      if (c === '}') return { kind: 'hash', entries };
      if (c !== ',') this.fail('expected "," or "}"');
    }
  }

  array(): RubyValue {
    const items: RubyValue[] = [];
    this.at++;
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return { kind: 'array', items };
    }
    for (;;) {
      this.space();
      items.push(this.value());
      this.space();
      const c = this.text[this.at++];
      if (c === ']') return { kind: 'array', items };
      if (c !== ',') this.fail('expected "," or "]"');
    }
  }

  string(): string {
    const start = this.at;
    let end = this.at + 1;
    for (;;) {
      const c = this.text[end];
      if (c === undefined) this.fail('unterminated string');
      if (c === '\\') end += 2;
      else if (c === '"') break;
      else if (c < ' ') {
        this.at = end;
        this.fail('a control character in a string');
      } else end++;
    }
    this.at = end + 1;
    // The escapes are JSON's own; JSON.parse reads a lone string exactly.
    return JSON.parse(this.text.slice(start, end + 1)) as string;
  }
}

const WORDS: [string, RubyValue][] = [
  ['true', { kind: 'boolean', value: true }],
  ['false', { kind: 'boolean', value: false }],
  ['null', { kind: 'nil' }],
];
