// Bundles the CLI into dist/: one entry file, with rarely used modules split out so that start-up
// loads only what a command needs. The native tree-sitter packages stay external.
import { readdirSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { build } from 'esbuild';

// Loading the native packages through the ESM loader (`import`) roughly doubles start-up time;
// a plain require of the same packages costs almost nothing. So imports of them become requires.
const NATIVE = /^tree-sitter(-ruby)?$/;
const nativeByRequire = {
  name: 'native-by-require',
  setup(b) {
    b.onResolve({ filter: NATIVE }, (args) =>
      args.namespace === 'native-by-require' ? { path: args.path, external: true } : { path: args.path, namespace: 'native-by-require' },
    );
    b.onLoad({ filter: /.*/, namespace: 'native-by-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

const result = await build({
  entryPoints: { cli: 'src/cli/entry.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['tree-sitter', 'tree-sitter-ruby'],
  plugins: [nativeByRequire],
  loader: { '.scm': 'text' },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});

// Chunks of earlier builds have other names; left in dist/ they would end up in the package.
const current = new Set(Object.keys(result.metafile.outputs).map((f) => basename(f)));
for (const name of readdirSync('dist')) if (!current.has(name)) rmSync(`dist/${name}`, { force: true });
