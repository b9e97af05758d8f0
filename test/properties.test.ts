/**
 * The property suite: generated hashes, whole scalr-server.rb files and main + local + secrets
 * triples, generated changes, real Ruby as the oracle (one Ruby process per batch of runs).
 * FUZZ_RUNS and FUZZ_SEED widen or replay a run; `npm run fuzz` runs the same checks with any budget.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from '../src/ruby/document';
import { fileSpecArb, generatedFileArb, hashFileArb, renderFile } from './support/arbitraries';
import { runCheck, type AnyCheck } from './support/checks';
import { CORE_CHECKS } from './support/core-properties';
import { LAYERED_CHECKS } from './support/layered-properties';
import { loadMany, rubyAvailable } from './support/ruby';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

beforeAll(() => {
  // Ruby is the oracle: without it these tests fail, they are never skipped.
  if (!rubyAvailable()) throw new Error('ruby with mixlib-config is required (apt-get install ruby ruby-mixlib-config)');
});

describe('generators', () => {
  it('every generated file loads in Ruby and parses in tree-sitter', () => {
    const files = [
      ...fc.sample(generatedFileArb({ opaque: 1 }), { numRuns: 300, seed: SEED }),
      ...fc.sample(generatedFileArb({ opaque: 0 }), { numRuns: 100, seed: SEED + 1 }),
      ...fc.sample(hashFileArb, { numRuns: 100, seed: SEED + 2 }),
    ];
    const results = loadMany(files.map((f) => Buffer.from(f.text, 'latin1')));
    const failures = results.flatMap((r, i) => (r.ok ? [] : [`${r.error}\n${JSON.stringify(files[i].text)}`]));
    expect(failures.slice(0, 3)).toEqual([]);
    for (const f of files) parseDocument(f.text);
  });

  it('covers what real files hold', () => {
    const texts = fc.sample(generatedFileArb({ opaque: 1 }), { numRuns: 300, seed: SEED }).map((f) => f.text);
    const all = texts.join('\n');
    const seen = (re: RegExp): number => texts.filter((t) => re.test(t)).length;
    // Key styles, heredocs, comments, line ends, later writes, non-literal constructs.
    for (const re of [/"\w+" => /, /'\w+' => /, /:\w+ => /, /[{ ]\w+: /, /"\w+": /, /<<~/, /<<-/, /^=begin/m, /^# app\[/m, /\r\n/, /^\t/m, /^ {4}"/m, /\]\[.*\] = /, /%w\[/, /if File\.exist/, /\.merge!/, /#\{1 \+ 1\}/]) {
      expect(seen(re), String(re)).toBeGreaterThan(0);
    }
    expect(all).toMatch(/enable_all/);
    expect(seen(/app\[[^\]]+\] = \{[\s\S]*app\[[^\]]+\] = \{/)).toBeGreaterThan(10);
  });

  it('renders specs deterministically', () => {
    for (const spec of fc.sample(fileSpecArb(), { numRuns: 50, seed: SEED })) expect(renderFile(spec).text).toBe(renderFile(spec).text);
  });
});

// The core's checks on one file, and the cross-file check: main + local + secrets, an edit in either file.
describe('properties (checked by Ruby)', () => {
  for (const check of [...CORE_CHECKS, ...LAYERED_CHECKS] as AnyCheck[]) {
    it(check.name, { timeout: 300_000 }, async () => {
      const r = await runCheck(check, { seed: SEED, numRuns: RUNS });
      if (r.report) throw new Error(r.report);
      expect(r.passed).toBe(RUNS);
    });
  }
});
