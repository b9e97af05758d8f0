import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/tmp';

/** The core turns text into planned edits; only src/io and src/cli may touch the outside world. */
describe('architecture', () => {
  const files = (dir: string): string[] => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, dir, f));

  it('src/core and src/schema import no file system, process or clock', () => {
    const pure = [...files('src/core'), ...files('src/schema')];
    expect(pure.length).toBeGreaterThan(10);
    for (const f of pure) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/from ['"](node:)?(fs|child_process|os|net|process)(\/promises)?['"]/);
      expect(text, f).not.toMatch(/from ['"]execa['"]/);
      expect(text, f).not.toMatch(/\b(Date\.now|new Date\(\)|process\.(env|exit|stdout|stderr))/);
    }
  });

  it('src/core does not import the command line or the I/O edge', () => {
    for (const f of files('src/core')) {
      expect(readFileSync(f, 'utf8'), f).not.toMatch(/from ['"]\.\.\/(cli|io)\//);
    }
  });
});
