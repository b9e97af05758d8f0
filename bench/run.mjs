#!/usr/bin/env node
// Start-up and scaling of scalr-conf against fixed yardsticks; see docs/benchmark.md.
//
//   npm run bench [-- --rounds 15 --entries 20000 --scale 10 --json --keep]
//
// Every contender runs once per round, in turn (the order rotates each round), so that load on
// the machine hits them alike; the table shows medians. Timings never make this exit non-zero:
// only a contender that fails to run does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin/scalr-conf');
const SAMPLE = join(ROOT, 'fixtures/sample/scalr-server.rb');
const LOADER = join(ROOT, 'test/ruby/load-config.rb');
const NODE = process.execPath;

const args = parseArgs(process.argv.slice(2));
const ROUNDS = args.rounds ?? 15;
const ENTRIES = args.entries ?? 20_000;
const SCALE = args.scale ?? 10;

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') out.json = true;
    else if (a === '--keep') out.keep = true;
    else if (['--rounds', '--entries', '--scale'].includes(a)) {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) usage(`${a} takes a whole number`);
      out[a.slice(2)] = n;
    } else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  return out;
}

function usage(message) {
  if (message) process.stderr.write(`bench: ${message}\n`);
  process.stderr.write('usage: node bench/run.mjs [--rounds N] [--entries N] [--scale N] [--json] [--keep]\n');
  process.exit(message ? 2 : 0);
}

// ---------------------------------------------------------------------------------------------
// The big files: the sample's settings outside app[:configuration], then a configuration hash of
// ENTRIES key => value pairs in sections nested up to four levels, as a large installation's.

/**
 * One section: 20 pairs (hash-valued pairs included) and a comment, shaped like a service's
 * settings, inside app[:configuration]["scalr"]["services"]["region_NN"].
 */
function section(i) {
  const id = String(i).padStart(5, '0');
  const region = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1'][i % 4];
  return `        # service ${id} (${region}): owned by platform team ${i % 11}, on call via the ops rota; change requests go through the platform review board; settings last reviewed ${2020 + (i % 5)}-0${1 + (i % 9)}-1${i % 10}
        "service_${id}" => {
          "enabled" => ${i % 7 !== 0},
          "endpoint_host" => "svc-${id}.${region}.internal.example.com",
          "endpoint_port" => ${8000 + (i % 1000)},
          "health_check_url" => "https://svc-${id}.${region}.internal.example.com:8443/api/v2/health",
          "description" => "Service ${id}: handles API requests for tenant group ${i % 37} in ${region}; scaled by the farm policy below, see the runbook for failover steps",
          "tags" => ["tier-${i % 3}", "zone-${region}", "team-platform-${i % 11}", "cost-center-${1000 + (i % 97)}", "managed-by-scalr"],
          "instances_connection_policy" => "${['public', 'local', 'auto'][i % 3]}",
          "limits" => {
            "max_instances_per_farm" => ${100 + (i % 50)},
            "max_memory_per_worker_mb" => ${1024 * (1 + (i % 4))},
            "cpu_shares_per_worker" => 512,
            "request_timeout_seconds" => ${30 + (i % 5) * 15},
          },
          "retry_policy" => {
            "max_attempts" => 3,
            "backoff_multiplier" => 1.5,
            "retry_on" => [:timeout, :connection_refused, :server_error, :throttled],
          },
          "owner" => {
            "notification_email" => "platform-team-${i % 11}-oncall@ops.example.com",
            "pager_duty_service_key" => nil,
          },
        },
`;
}
const PAIRS_PER_SECTION = 20;
const SECTIONS_PER_REGION = 50;

function generate(file, entries) {
  const sample = readFileSync(SAMPLE, 'latin1');
  const head = sample.slice(0, sample.indexOf('app[:configuration]'));
  const parts = [head, 'app[:configuration] = {\n  "scalr" => {\n    "auth_mode" => "ldap",\n    "services" => {\n'];
  // 2 pairs above, one per region hash, PAIRS_PER_SECTION per section.
  const sections = Math.max(1, Math.round((entries - 2) / (PAIRS_PER_SECTION + 1 / SECTIONS_PER_REGION)));
  for (let i = 0; i < sections; i++) {
    if (i % SECTIONS_PER_REGION === 0) parts.push(`${i ? '      },\n' : ''}      "region_${String(i / SECTIONS_PER_REGION).padStart(3, '0')}" => {\n`);
    parts.push(section(i));
  }
  parts.push('      },\n    },\n  },\n}\n');
  writeFileSync(file, parts.join(''), 'latin1');
  return statSync(file).size;
}

// ---------------------------------------------------------------------------------------------

function sh(cmd, argv) {
  return spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
}

function have(cmd, argv) {
  const r = spawnSync(cmd, argv, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/** Rebuilds dist/ when it is missing or older than the sources, so the numbers are for this code. */
function ensureBuilt() {
  const built = ['dist/cli.cjs', 'dist/cli.v8cache'].map((f) => join(ROOT, f));
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  const sources = Math.max(...['src', 'grammars', 'bin', 'scripts'].map((d) => newest(join(ROOT, d))));
  if (built.every((f) => existsSync(f) && statSync(f).mtimeMs >= sources)) return;
  process.stderr.write('bench: building dist/\n');
  const r = spawnSync(NODE, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(c) {
  const t0 = process.hrtime.bigint();
  const r = sh(c.cmd, c.argv);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error || r.status !== 0) {
    throw new Error(`${c.name} failed (${r.error?.message ?? `exit ${r.status}`}): ${String(r.stderr).trim().split('\n').slice(-3).join(' / ')}`);
  }
  return ms;
}

/** Peak resident set size of one run, in MB, and how it was measured. */
function peakRss(c, dir) {
  if (have('/usr/bin/time', ['-v', 'true'])) {
    const r = spawnSync('/usr/bin/time', ['-v', c.cmd, ...c.argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const m = r.stderr.match(/Maximum resident set size \(kbytes\): (\d+)/);
    if (r.status === 0 && m) return { mb: Number(m[1]) / 1024, how: '/usr/bin/time -v (GNU time): maximum resident set size of the process' };
  }
  // Without GNU time: the child reports its own peak from process.resourceUsage() as it exits.
  const probe = join(dir, 'rss-probe.cjs');
  const out = join(dir, 'rss.txt');
  writeFileSync(probe, "process.on('exit', () => require('fs').writeFileSync(process.env.BENCH_RSS_OUT, String(process.resourceUsage().maxRSS)));\n");
  const r = spawnSync(c.cmd, ['--require', probe, ...c.argv], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BENCH_RSS_OUT: out } });
  if (r.status !== 0) throw new Error(`${c.name} failed while measuring memory`);
  return { mb: Number(readFileSync(out, 'utf8')) / 1024, how: 'process.resourceUsage().maxRSS read inside the child at exit (--require probe)' };
}

function main() {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'scalr-conf-bench-'));
  try {
    run(dir);
  } finally {
    if (args.keep) process.stderr.write(`bench: files kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function run(dir) {
  const big = join(dir, 'big.rb');
  const huge = join(dir, 'huge.rb');
  const bigSize = generate(big, ENTRIES);
  const hugeSize = generate(huge, ENTRIES * SCALE);
  const ruby = have('ruby', ['-e', 'require "mixlib/config"']);
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  const k = (n) => (n >= 1000 ? `${Math.round(n / 1000)}k` : String(n));

  const set = (file) => [BIN, 'set', 'aws.instances_connection_policy', 'local', '--file', file, '--dry-run'];
  const contenders = [
    { name: 'node -e 0', cmd: NODE, argv: ['-e', '0'] },
    { name: 'get (sample)', cmd: NODE, argv: [BIN, 'get', 'connections.ldap.host', '--file', SAMPLE], vs: 'node -e 0', goal: 1.3 },
    { name: 'set --dry-run (sample)', cmd: NODE, argv: set(SAMPLE), vs: 'node -e 0', goal: 1.5 },
    { name: `ruby load-config.rb (${mb(bigSize)})`, id: 'ruby', cmd: 'ruby', argv: [LOADER, big], skip: !ruby, scaling: true },
    { name: `set --dry-run (${mb(bigSize)}, ${k(ENTRIES)} entries)`, id: 'big', cmd: NODE, argv: set(big), vs: 'ruby', goal: 3, scaling: true },
    { name: `set --dry-run (${mb(hugeSize)}, ${k(ENTRIES * SCALE)} entries)`, id: 'huge', cmd: NODE, argv: set(huge), vs: 'big', goal: SCALE, scaling: true },
  ].filter((c) => !c.skip);
  for (const c of contenders) c.id ??= c.name;

  // Start-up and scaling run as two groups, each alternating within itself: seconds-long runs on
  // the big files between the start-up runs would load the machine unevenly for them. Start-up
  // runs are short and noisy, so they get twice the rounds.
  const times = new Map(contenders.map((c) => [c.id, []]));
  const groups = [
    { what: 'start-up', rounds: ROUNDS * 2, members: contenders.filter((c) => !c.scaling) },
    { what: 'scaling', rounds: ROUNDS, members: contenders.filter((c) => c.scaling) },
  ];
  for (const g of groups) {
    process.stderr.write(`bench: ${g.what}: ${g.rounds} rounds of ${g.members.length} contenders (plus one warm-up round)\n`);
    for (let round = -1; round < g.rounds; round++) {
      for (let j = 0; j < g.members.length; j++) {
        const c = g.members[(j + Math.max(round, 0)) % g.members.length];
        const ms = time(c);
        if (round >= 0) times.get(c.id).push(ms);
      }
      if (round >= 0) process.stderr.write(`\rbench: ${g.what}: round ${round + 1}/${g.rounds}`);
    }
    process.stderr.write('\n');
  }

  const rows = contenders.map((c) => {
    const med = median(times.get(c.id));
    const base = c.vs && times.has(c.vs) ? median(times.get(c.vs)) : undefined;
    const ratio = base ? med / base : undefined;
    const vsName = c.vs ? contenders.find((x) => x.id === c.vs)?.name : undefined;
    return {
      contender: c.name,
      medianMs: med,
      minMs: Math.min(...times.get(c.id)),
      maxMs: Math.max(...times.get(c.id)),
      ratio,
      versus: vsName,
      goal: c.goal,
      met: ratio === undefined || c.goal === undefined ? undefined : ratio <= c.goal,
    };
  });
  const rss = [big, huge].map((file) => {
    const c = contenders.find((x) => x.id === (file === big ? 'big' : 'huge'));
    return { contender: c.name, ...peakRss(c, dir) };
  });

  if (args.json) {
    process.stdout.write(JSON.stringify({ rounds: ROUNDS, entries: ENTRIES, scale: SCALE, bigBytes: bigSize, hugeBytes: hugeSize, node: process.version, rows, rss }, null, 2) + '\n');
    return;
  }
  const table = [
    ['contender', 'median ms', 'min–max ms', 'ratio', 'goal', 'met'],
    ...rows.map((r) => [
      r.contender,
      r.medianMs.toFixed(0),
      `${r.minMs.toFixed(0)}–${r.maxMs.toFixed(0)}`,
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x ${r.versus}`,
      r.goal === undefined ? '' : `≤ ${r.goal}x`,
      r.met === undefined ? '' : r.met ? 'yes' : 'no',
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 1 || i === 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [
    `scalr-conf benchmark: node ${process.version}, medians of ${ROUNDS * 2} rounds (start-up) and ${ROUNDS} rounds (scaling)`,
    '',
    line(table[0]),
    line(widths.map((w) => '-'.repeat(w))),
    ...table.slice(1).map(line),
    '',
    'peak RSS of scalr-conf:',
    ...rss.map((r) => `  ${r.contender}: ${r.mb.toFixed(0)} MB`),
    `  (measured with ${rss[0].how})`,
    ruby ? '' : '\nruby with mixlib-config not found: the Ruby yardstick was skipped.',
  ];
  process.stdout.write(out.join('\n') + '\n');
}

try {
  main();
} catch (e) {
  process.stderr.write(`\nbench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
