#!/usr/bin/env node
// npm run fuzz -- --runs N [--seed S] [--only NAME] [--shrink-seconds T]
//
// Runs the property and command-line model checks (test/support/fuzz-main.ts) with a budget of N
// generated cases split across the checks, real Ruby as the oracle. Prints the seed first, every
// failing check's shrunk counterexample, and last a line "P passed, F failed"; exits 1 on a
// failure. The same seed and budget replay the same cases.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function usage(message) {
  process.stderr.write(`fuzz: ${message}\nusage: npm run fuzz -- --runs N [--seed S] [--only NAME] [--shrink-seconds T]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { runs: 1000, seed: undefined, only: undefined, shrinkSeconds: 300 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const int = (v, name) => {
      if (!/^-?\d+$/.test(v)) usage(`${name} takes a whole number, not ${JSON.stringify(v)}`);
      return Number(v);
    };
    if (a === '--runs') opts.runs = int(value(), '--runs');
    else if (a === '--seed') opts.seed = int(value(), '--seed');
    else if (a === '--only') opts.only = value();
    else if (a === '--shrink-seconds') opts.shrinkSeconds = int(value(), '--shrink-seconds');
    else if (a === '--help' || a === '-h') usage('help');
    else usage(`unknown argument ${JSON.stringify(a)}`);
  }
  if (opts.runs < 1) usage('--runs must be at least 1');
  opts.seed ??= (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) & 0x7fffffff;
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
process.stdout.write(`seed: ${opts.seed}\nruns: ${opts.runs}\n`);

// The bundle lives inside the repository so that the native tree-sitter packages resolve from it.
// The test helpers locate load-config.rb and the fixtures from their own URL, which the bundle
// would change, so it is pinned to where they really are.
const outDir = join(root, '.tmp', `fuzz-${process.pid}`);
mkdirSync(outDir, { recursive: true });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    rmSync(outDir, { recursive: true, force: true });
    process.exit(130);
  });
}
const outfile = join(outDir, 'fuzz.mjs');
let code = 1;
try {
  await build({
    entryPoints: [join(root, 'test/support/fuzz-main.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['tree-sitter', 'tree-sitter-ruby'],
    loader: { '.scm': 'text', '.rb': 'text' },
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(root, 'test/support/fuzz-main.ts')).href) },
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  const { fuzz } = await import(pathToFileURL(outfile).href);
  const started = Date.now();
  const { passed, failed } = await fuzz({ ...opts, log: (line) => process.stdout.write(line + '\n') });
  process.stdout.write(`time: ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${opts.seed}\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  code = failed ? 1 : 0;
} catch (e) {
  process.stderr.write(`fuzz: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.stdout.write(`0 passed, 1 failed\n`);
  code = 1;
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
process.exit(code);
