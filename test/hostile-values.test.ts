import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planChanges } from '../src/edit/plan';
import { parseKey } from '../src/values/keys';
import { parseDocument } from '../src/ruby/document';
import { loadMany } from './support/ruby';
import type { Canonical, RubyValue } from '../src/values/value';

/** 10,000 random hostile strings written as values: Ruby reads back the exact bytes and runs nothing. */
describe('hostile values', () => {
  const marker = join(mkdtempSync(join(tmpdir(), 'scalr-conf-pwn-')), 'pwned');
  const payloads = [
    `\\'; system("touch ${marker}") #`,
    `#{File.write("${marker}", "x")}`,
    `#{\`touch ${marker}\`}`,
    `"; File.write("${marker}", 1); "`,
    `#@x #$y #{1}`,
    `\\#{x}`,
    `'\n__END__\n`,
    '\u0000\u0004\u001a\r\n\t\\',
  ];
  const piece = fc.oneof(
    fc.constantFrom(...payloads),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.constantFrom('"', "'", '\\', '#', '{', '}', '`', '$', '@', '\n', '\r', '\0', '\x7f', 'é', '\u2028'),
  );
  const hostile = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));

  it('reads back byte for byte in Ruby and never executes', () => {
    const values = fc.sample(hostile, { numRuns: 10_000, seed: 20261130 });
    // Strings from the generator are Unicode; write them as UTF-8 bytes, or raw bytes for the byte pieces.
    const bins = values.map((v, i) => (i % 2 ? Buffer.from(v, 'utf8').toString('latin1') : v.replace(/[^\x00-\xff]/g, '?')));
    const files: string[] = [];
    const batches: string[][] = [];
    for (let i = 0; i < bins.length; i += 500) batches.push(bins.slice(i, i + 500));
    for (const batch of batches) {
      // One change per batch whose value holds the whole batch: every string goes through the renderer.
      const entries = batch.map((bin, j): [string, RubyValue] => [`value_${j}`, { kind: 'string', bin }]);
      const text = planChanges('app[:configuration] = {}\n', [{ op: 'set', target: parseKey('ui'), value: { kind: 'hash', entries } }]).after;
      parseDocument(text);
      files.push(text);
    }
    const results = loadMany(files.map((t) => Buffer.from(t, 'latin1')));
    results.forEach((r, b) => {
      if (!r.ok) throw new Error(`batch ${b}: ${r.error}`);
      const ui = ((r.value.groups.app as { configuration: { scalr: { ui: Record<string, Canonical> } } }).configuration.scalr.ui);
      batches[b].forEach((bin, j) => {
        const got = ui[`value_${j}`];
        const bytes = typeof got === 'string' ? Buffer.from(got, 'utf8') : Buffer.from((got as { $bytes: string }).$bytes, 'hex');
        expect(bytes.equals(Buffer.from(bin, 'latin1')), JSON.stringify(bin)).toBe(true);
      });
    });
    expect(existsSync(marker)).toBe(false);
  });
});
