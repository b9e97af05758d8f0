import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/tmp';

/**
 * The folders follow the pipeline: each imports only from the folders before it (or itself), and
 * everything before the I/O edge is pure.
 */
const ORDER = ['values', 'ruby', 'edit', 'model', 'knowledge', 'io', 'app', 'cli'] as const;
const PURE = new Set(['values', 'ruby', 'edit', 'model', 'knowledge']);

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The src files a file imports (relative specifiers only), as paths relative to ROOT without extension. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)]
    .map((m) => relative(ROOT, resolve(ROOT, dirname(file), m[1] ?? m[2])).replace(/\.(ts|js)$/, ''))
    .filter((p) => p.startsWith('src/'));
}

const folderOf = (path: string): string => path.split('/')[1];

describe('architecture', () => {
  const files = sources('src');

  it('src holds exactly the pipeline folders', () => {
    const folders = new Set(files.map(folderOf));
    expect([...folders].sort()).toEqual([...ORDER].sort());
  });

  it('each folder imports only from the folders before it', () => {
    const bad: string[] = [];
    for (const f of files) {
      const mine = ORDER.indexOf(folderOf(f) as (typeof ORDER)[number]);
      for (const dep of importsOf(f)) {
        const theirs = ORDER.indexOf(folderOf(dep) as (typeof ORDER)[number]);
        if (theirs > mine) bad.push(`${f} imports ${dep}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no file imports itself back through others', () => {
    const graph = new Map(files.map((f) => [f.replace(/\.ts$/, ''), importsOf(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'open');
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('the folders before src/io import no file system, process or clock', () => {
    const pure = files.filter((f) => PURE.has(folderOf(f)));
    expect(pure.length).toBeGreaterThan(30);
    for (const f of pure) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      expect(text, f).not.toMatch(/from ['"](node:)?(fs|child_process|os|net|process)(\/promises)?['"]/);
      expect(text, f).not.toMatch(/from ['"]execa['"]/);
      expect(text, f).not.toMatch(/\b(Date\.now|new Date\(\)|process\.(env|exit|stdout|stderr))/);
    }
  });

  it('the check sees a wrong-way import', () => {
    // A guard on the guard: the parser of imports must find the edges it judges.
    expect(importsOf('src/edit/plan.ts')).toContain('src/ruby/document');
  });
});
