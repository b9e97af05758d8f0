// Builds dist/: the CLI as one minified CommonJS bundle (cli.cjs), execa as another (execa.cjs), the
// schema's JSON files, and a V8 code cache of the bundle (cli.v8cache) that bin/scalr-conf runs it
// with. Start-up time is the point of every choice here (docs/benchmark.md): CommonJS loads faster
// than an ES module; modules and data a command does not use are loaded only when first needed, so
// builtins such as child_process load only with the code that spawns; with the cache, V8 compiles
// nothing the everyday commands run. tree-sitter-ruby's native grammar stays in node_modules.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const { loadBundle, BUNDLE, CACHE } = require('../bin/scalr-conf');

// The schema's JSON files ship beside the bundle and are read when a top-level key is first used:
// most runs of a read command never look at the settings, and in the bundle (and its code cache)
// they would be a quarter of what every run reads.
const dataFiles = new Map(); // dist/ name -> source path
const lazyJson = {
  name: 'lazy-json',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*\.json$/ }, (args) => {
      if (args.namespace === 'lazy-json') return { path: args.path, external: true };
      return { path: join(args.resolveDir, args.path), namespace: 'lazy-json' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-json' }, (args) => {
      const data = JSON.parse(readFileSync(args.path, 'utf8'));
      if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${args.path}: expected a JSON object`);
      const name = basename(args.path);
      if (dataFiles.has(name) && dataFiles.get(name) !== args.path) throw new Error(`two data files named ${name}`);
      dataFiles.set(name, args.path);
      const contents = [
        'let data;',
        'module.exports = {};',
        `for (const key of ${JSON.stringify(Object.keys(data))}) {`,
        `  Object.defineProperty(module.exports, key, { enumerable: true, get: () => (data ??= require(${JSON.stringify('./' + name)}))[key] });`,
        '}',
      ].join('\n');
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

// execa is an ES module, which this Node cannot require, and a dynamic import() from the bundle
// would not survive the code cache (V8 drops the import callback of cached functions). So execa gets
// a CommonJS bundle of its own, required by the one command path that runs scalr-server-ctl.
const EXECA = 'dist/execa.cjs';
const execaApart = {
  name: 'execa-apart',
  setup(b) {
    b.onResolve({ filter: /^execa$/ }, () => ({ path: './execa.cjs', external: true }));
  },
};

const result = await build({
  entryPoints: ['src/cli/entry.ts'],
  outfile: BUNDLE,
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // The native packages load from their own folders, where node-gyp-build finds their prebuilds.
  external: ['tree-sitter-ruby', 'tree-sitter'],
  // Every import() becomes a require: see execaApart.
  supported: { 'dynamic-import': false },
  plugins: [lazyJson, execaApart],
  loader: { '.scm': 'text', '.rb': 'text' },
  // The sources are ES modules; the bundle is not. import.meta.url's one use is createRequire
  // (grammars/ruby.ts), which takes the bundle's path as well as a URL.
  define: { 'import.meta.url': '__filename' },
  // NO_MINIFY=1 keeps names readable in a CPU profile (node --cpu-prof bin/scalr-conf ...).
  minify: !process.env.NO_MINIFY,
  logLevel: 'warning',
});

// Files of earlier builds (other names, other formats) would otherwise end up in the package; an old
// cache must never sit beside a new bundle.
mkdirSync('dist', { recursive: true });
for (const name of readdirSync('dist')) rmSync(`dist/${name}`, { force: true, recursive: true });

await build({
  stdin: { contents: "export { execa, execaSync } from 'execa';", resolveDir: '.', loader: 'js' },
  outfile: EXECA,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  logLevel: 'warning',
});

for (const [name, source] of dataFiles) writeFileSync(`dist/${name}`, readFileSync(source));

// The first line names the bundle; its code cache starts with the same line (bin/scalr-conf).
const code = result.outputFiles[0].text;
writeFileSync(BUNDLE, `// scalr-conf bundle ${createHash('sha256').update(code).digest('hex')}\n${code}`);

// The code cache holds V8's compiled code for the bundle's top level and for every function the
// commands below ran, so the everyday commands start without compiling. It is made by the Node
// that builds, which is the Node that runs the package; another Node's V8 just rejects it.
const SAMPLE = 'fixtures/sample/scalr-server.rb';
if (!existsSync(SAMPLE)) throw new Error(`${SAMPLE} is missing: the code cache is made by running commands on it`);
const TRAINING = [
  ['get', 'connections.ldap.host'],
  ['show'],
  ['set', '--dry-run', 'aws.instances_connection_policy', 'local'],
  ['unset', '--dry-run', 'auth_mode'],
];
const bundle = loadBundle({ useCache: false });
const silent = { write: () => true };
for (const argv of TRAINING) {
  const deps = {
    env: {},
    stdout: silent,
    stderr: silent,
    get stdin() {
      throw new Error('the training commands read no stdin');
    },
    interactive: async () => false,
  };
  const status = await bundle.exports.main(['--file', SAMPLE, ...argv], deps);
  if (status !== 0) throw new Error(`scalr-conf ${argv.join(' ')} exited ${status} on ${SAMPLE}`);
}
writeFileSync(CACHE, Buffer.concat([Buffer.from(bundle.stamp, 'latin1'), bundle.script.createCachedData()]));
