/**
 * Removing a pair leaves the hash laid out as if it had never been written: the other lines byte
 * for byte, the pair's own line(s) and its comment gone, and commas as the file writes them (no
 * trailing comma appears in a file without one). Ruby checks each result means the input less the key.
 */
import { readFileSync, rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { planChanges } from '../src/edit/plan';
import { parseKey } from '../src/values/keys';
import { assertEqual, loaded } from './support/checks';
import { runCli } from './support/cli';
import { applyModel } from './support/core-properties';
import { normalise } from './support/model';
import { loadMany, requireRuby } from './support/ruby';
import { configDir } from './support/tmp';

beforeAll(() => {
  requireRuby();
});

/** A file whose app[:configuration]["scalr"] hash is `{` + body + `}`. */
const scalr = (body: string): string => `app[:configuration] = {\n  "scalr" => {${body}}\n}\n`;
const crlf = (text: string): string => text.replace(/\n/g, '\r\n');

const CASES: { name: string; input: string; key: string; expected: string }[] = [
  { name: 'the first pair', input: scalr('\n    "a" => 1,\n    "b" => 2\n  '), key: 'a', expected: scalr('\n    "b" => 2\n  ') },
  { name: 'a middle pair', input: scalr('\n    "a" => 1,\n    "b" => 2,\n    "c" => 3\n  '), key: 'b', expected: scalr('\n    "a" => 1,\n    "c" => 3\n  ') },
  { name: 'the last pair, no trailing comma', input: scalr('\n    "a" => 1,\n    "b" => 2\n  '), key: 'b', expected: scalr('\n    "a" => 1\n  ') },
  { name: 'the first pair, trailing comma', input: scalr('\n    "a" => 1,\n    "b" => 2,\n  '), key: 'a', expected: scalr('\n    "b" => 2,\n  ') },
  { name: 'the last pair, trailing comma', input: scalr('\n    "a" => 1,\n    "b" => 2,\n  '), key: 'b', expected: scalr('\n    "a" => 1,\n  ') },
  {
    name: 'the first pair with comments after pairs',
    input: scalr('\n    "a" => 1, # one\n    "b" => 2 # two\n  '),
    key: 'a',
    expected: scalr('\n    "b" => 2 # two\n  '),
  },
  {
    name: 'the last pair with comments after pairs',
    input: scalr('\n    "a" => 1, # one\n    "b" => 2 # two\n  '),
    key: 'b',
    expected: scalr('\n    "a" => 1 # one\n  '),
  },
  {
    name: 'a middle pair with comments after pairs',
    input: scalr('\n    "a" => 1, # one\n    "b" => 2, # two\n    "c" => 3 # three\n  '),
    key: 'b',
    expected: scalr('\n    "a" => 1, # one\n    "c" => 3 # three\n  '),
  },
  { name: 'the first pair, CRLF', input: crlf(scalr('\n    "a" => 1,\n    "b" => 2\n  ')), key: 'a', expected: crlf(scalr('\n    "b" => 2\n  ')) },
  { name: 'a middle pair, CRLF', input: crlf(scalr('\n    "a" => 1,\n    "b" => 2,\n    "c" => 3\n  ')), key: 'b', expected: crlf(scalr('\n    "a" => 1,\n    "c" => 3\n  ')) },
  { name: 'the last pair, CRLF', input: crlf(scalr('\n    "a" => 1,\n    "b" => 2\n  ')), key: 'b', expected: crlf(scalr('\n    "a" => 1\n  ')) },
  {
    name: 'the first pair of `key:` hashes',
    input: 'app[:configuration] = {\n  scalr: {\n    a: 1,\n    b: 2,\n    c: 3\n  }\n}\n',
    key: 'a',
    expected: 'app[:configuration] = {\n  scalr: {\n    b: 2,\n    c: 3\n  }\n}\n',
  },
  {
    name: 'the last pair of `key:` hashes',
    input: 'app[:configuration] = {\n  scalr: {\n    a: 1,\n    b: 2,\n    c: 3\n  }\n}\n',
    key: 'c',
    expected: 'app[:configuration] = {\n  scalr: {\n    a: 1,\n    b: 2\n  }\n}\n',
  },
  { name: 'the first pair of a one-line hash', input: scalr(' "a" => 1, "b" => 2 '), key: 'a', expected: scalr(' "b" => 2 ') },
  { name: 'a middle pair of a one-line hash', input: scalr(' "a" => 1, "b" => 2, "c" => 3 '), key: 'b', expected: scalr(' "a" => 1, "c" => 3 ') },
  { name: 'the last pair of a one-line hash', input: scalr(' "a" => 1, "b" => 2 '), key: 'b', expected: scalr(' "a" => 1 ') },
  { name: 'the last pair of a one-line hash, trailing comma', input: scalr(' "a" => 1, "b" => 2, '), key: 'b', expected: scalr(' "a" => 1, ') },
  // A pair sharing its line with what comes before it: the next line must stay its own.
  { name: 'a first pair on the opening line', input: scalr(' "a" => 1,\n    "b" => 2\n  '), key: 'a', expected: scalr('\n    "b" => 2\n  ') },
  { name: 'a first pair on the opening line, with a comment', input: scalr(' "a" => 1, # one\n    "b" => 2\n  '), key: 'a', expected: scalr('\n    "b" => 2\n  ') },
  {
    name: 'a first pair on the opening line, CRLF',
    input: crlf(scalr(' "a" => 1,\n    "b" => 2\n  ')),
    key: 'a',
    expected: crlf(scalr('\n    "b" => 2\n  ')),
  },
  {
    name: 'a multi-line first pair starting on the opening line',
    input: scalr(' "a" => [\n      1\n    ],\n    "b" => 2\n  '),
    key: 'a',
    expected: scalr('\n    "b" => 2\n  '),
  },
  {
    name: 'a second pair on a line of two',
    input: scalr('\n    "a" => 1, "c" => 3,\n    "b" => 2\n  '),
    key: 'c',
    expected: scalr('\n    "a" => 1,\n    "b" => 2\n  '),
  },
  { name: 'a last pair on a line of two', input: scalr('\n    "a" => 1, "c" => 3 # three\n  '), key: 'c', expected: scalr('\n    "a" => 1\n  ') },
  { name: 'a last pair on a line of two, trailing comma', input: scalr('\n    "a" => 1, "c" => 3,\n  '), key: 'c', expected: scalr('\n    "a" => 1,\n  ') },
  { name: 'a last pair before the closing brace', input: scalr('\n    "a" => 1,\n    "b" => 2 '), key: 'b', expected: scalr('\n    "a" => 1 ') },
];

const unset = (text: string, key: string): string => planChanges(text, [{ op: 'unset', target: parseKey(key) }]).after;

describe('unset removes a pair with natural layout', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(unset(c.input, c.key)).toBe(c.expected);
    });
  }

  it('each result means the input without the key, as Ruby reads them', () => {
    const results = loadMany(CASES.flatMap((c) => [Buffer.from(c.input, 'latin1'), Buffer.from(c.expected, 'latin1')]));
    for (const [i, c] of CASES.entries()) {
      const before = loaded(results[2 * i], `${c.name}: the input`);
      const after = loaded(results[2 * i + 1], `${c.name}: the result`);
      const path = ['app', 'configuration', 'scalr', c.key];
      assertEqual(normalise(after), normalise(applyModel(before, { op: 'unset', path })), `${c.name}: Ruby disagrees with the unset`);
    }
  });

  it('a key set into each layout and unset again gives back the bytes', () => {
    for (const c of CASES) {
      const target = parseKey('zz_new');
      const set = planChanges(c.input, [{ op: 'set', target, value: { kind: 'integer', value: 9n } }]).after;
      expect(set, c.name).not.toBe(c.input);
      expect(unset(set, 'zz_new'), c.name).toBe(c.input);
    }
  });

  it('the command line writes the first-pair removal to the file', async () => {
    const input = scalr('\n    "a" => 1,\n    "b" => 2\n  ');
    const { dir, file } = configDir(input);
    try {
      const r = await runCli(['--file', file, 'unset', 'a', '--no-reconfigure', '--yes', '--backups', '0']);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(file, 'latin1')).toBe(scalr('\n    "b" => 2\n  '));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
