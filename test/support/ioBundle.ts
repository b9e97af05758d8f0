import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Bundles src/io into one ESM file that plain-JS child processes can import. */
export async function buildIoBundle(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'io.mjs');
  await build({
    stdin: {
      contents: ['readConfig', 'writeAtomic', 'lock', 'backups']
        .map((m) => `export * from './src/io/${m}';`)
        .join('\n'),
      resolveDir: root,
      loader: 'ts',
      sourcefile: 'io-entry.ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    // execa's CommonJS dependencies require node builtins, which an ES module bundle has no require for.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'silent',
  });
  return outfile;
}

/** Directory of the child scripts. */
export const supportDir = path.join(root, 'test', 'support');
