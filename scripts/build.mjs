// Bundles the CLI into dist/: one entry file, with rarely used modules split out so that start-up
// loads only what a command needs. The native tree-sitter packages stay external.
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'src/cli/entry.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['tree-sitter', 'tree-sitter-ruby'],
  loader: { '.scm': 'text' },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
