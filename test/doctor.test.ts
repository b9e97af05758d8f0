import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { diagnose } from '../src/knowledge/doctor';
import type { Canonical } from '../src/values/value';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { loadMany, loadUsesMany, requireRuby, type LoadResult, type Uses } from './support/ruby';
import { ROOT } from './support/tmp';

/**
 * fixtures/doctor/<case>/: scalr-server.rb (and scalr-server-local.rb), and expect.json with the
 * exit status, every finding as [file, line, severity, code], whether Ruby loads the files, and
 * what Ruby must show for the finding to be true (keys lost, values that stayed strings).
 */
const DIR = join(ROOT, 'fixtures/doctor');
interface Expect {
  exit: number;
  /** Options for doctor, e.g. --scalr-version. */
  args?: string[];
  ruby: 'ok' | 'fails';
  findings: [string, number, 'error' | 'warning', string][];
  lost?: string[];
  strings?: Record<string, string>;
  /** What reconfigure's pipeline hands on (after string2boolean), by dotted path under the groups. */
  reconfigure?: Record<string, Canonical>;
}
const cases = readdirSync(DIR).sort();

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function copyCase(name: string): { dir: string; main: string } {
  const dir = mkdtempSync(join(tmpdir(), `scalr-doctor-${name}-`));
  made.push(dir);
  for (const f of ['scalr-server.rb', 'scalr-server-local.rb']) {
    if (existsSync(join(DIR, name, f))) copyFileSync(join(DIR, name, f), join(dir, f));
  }
  return { dir, main: join(dir, 'scalr-server.rb') };
}

function expectOf(name: string): Expect {
  return JSON.parse(readFileSync(join(DIR, name, 'expect.json'), 'utf8')) as Expect;
}

function dig(effective: { groups: Record<string, Canonical> }, dotted: string): Canonical | undefined {
  return digIn(effective.groups as Canonical, dotted);
}

function digIn(root: Canonical, dotted: string): Canonical | undefined {
  let cur: Canonical | undefined = root;
  for (const k of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(k in cur)) return undefined;
    cur = (cur as Record<string, Canonical>)[k];
  }
  return cur;
}

describe('doctor on fixtures/doctor', () => {
  it('has a case for every problem it knows and clean ones', () => {
    const codes = new Set(cases.flatMap((c) => expectOf(c).findings.map((f) => f[3])));
    for (const code of ['syntax', 'placeholder', 'curly-quote', 'discarded', 'duplicate-key', 'unknown-key', 'unknown-group', 'value', 'no-parent', 'conditional']) {
      expect(codes, code).toContain(code);
    }
    expect(cases.filter((c) => c.startsWith('clean-')).length).toBeGreaterThanOrEqual(3);
  });

  for (const name of cases) {
    it(`${name}: finds exactly what expect.json lists, one per line as FILE:LINE: severity: message`, async () => {
      const want = expectOf(name);
      const { dir, main } = copyCase(name);
      // No installed Scalr to read a version from: only args decide it.
      const env = { SCALR_SERVER_ROOT: join(dir, 'no-scalr-server') };
      const args = want.args ?? [];
      const json = await runCli(['doctor', '--file', main, '--json', ...args], { env });
      expect(json.code, json.stderr).toBe(want.exit);
      const report = JSON.parse(json.stdout) as { ok: boolean; findings: { file: string; line: number; severity: string; code: string; message: string }[] };
      expect(report.findings.map((f) => [f.file.slice(dir.length + 1), f.line, f.severity, f.code])).toEqual(want.findings);
      expect(report.ok).toBe(want.exit === 0);

      const text = await runCli(['doctor', '--file', main, ...args], { env });
      expect(text.code).toBe(want.exit);
      if (want.findings.length === 0) {
        expect(text.stdout).toMatch(/^no problems found in /);
      } else {
        const lines = text.stdout.trimEnd().split('\n');
        expect(lines).toHaveLength(want.findings.length);
        lines.forEach((l, i) => {
          const [file, line, severity] = want.findings[i];
          expect(l.startsWith(`${join(dir, file)}:${line}: ${severity}: `), l).toBe(true);
        });
        expect(text.stderr).toMatch(/^scalr-conf doctor: \d+ errors?, \d+ warnings? in /);
      }
    });
  }
});

describe('what doctor says holds in Ruby', () => {
  const inputs = cases.map((name) => {
    const local = join(DIR, name, 'scalr-server-local.rb');
    return {
      main: readFileSync(join(DIR, name, 'scalr-server.rb')),
      local: existsSync(local) ? readFileSync(local) : undefined,
    };
  });
  let results: LoadResult[] | undefined;
  const resultFor = (name: string): LoadResult => (results ??= loadMany(inputs))[cases.indexOf(name)];

  for (const name of cases) {
    it(`${name}: Ruby ${expectOf(name).ruby === 'ok' ? 'loads it' : 'fails on it'}${expectOf(name).lost ? ' and loses what doctor says' : ''}`, () => {
      const want = expectOf(name);
      const r = resultFor(name);
      expect(r.ok, r.ok ? '' : r.error).toBe(want.ruby === 'ok');
      if (!r.ok) {
        const line = want.findings[0][1];
        expect(r.line).toBe(line);
        return;
      }
      for (const key of want.lost ?? []) expect(dig(r.value, key), key).toBeUndefined();
      for (const [key, value] of Object.entries(want.strings ?? {})) expect(dig(r.value, key), key).toBe(value);
    });
  }

  const withUses = cases.filter((name) => expectOf(name).reconfigure);
  let uses: Uses[] | undefined;
  for (const name of withUses) {
    it(`${name}: reconfigure hands on what doctor says (string2boolean)`, () => {
      requireRuby();
      const u = (uses ??= loadUsesMany(withUses.map((n) => inputs[cases.indexOf(n)])))[withUses.indexOf(name)];
      expect(u.error).toBeNull();
      for (const [key, value] of Object.entries(expectOf(name).reconfigure!)) expect(digIn(u.attributes as Canonical, key), key).toEqual(value);
    });
  }
});

describe('doctor details', () => {
  it('without Ruby at hand falls back to the parser for syntax errors', () => {
    const f = diagnose({ main: 'app[:configuration] = {\n  "scalr" => {\n}\n' });
    expect(f.map((x) => [x.line, x.code])).toEqual([[3, 'syntax']]);
  });

  it('a file Ruby accepts but the parser cannot read gives a warning, not an error', () => {
    const f = diagnose({ main: 'app[:configuration] = {\n  "scalr" => {\n}\n', rubySyntax: { main: null } });
    expect(f.map((x) => [x.severity, x.code])).toEqual([['warning', 'untraceable']]);
  });

  it('explains why a string where a boolean belongs is wrong, and which way it goes', () => {
    const [attr] = diagnose({ main: 'proxy[:ssl_enable] = "No"\n' });
    expect(attr.severity).toBe('error');
    expect(attr.message).toContain('"No" stays a string');
    expect(attr.message).toContain('every string is true');
    expect(attr.message).toContain('turns it ON');
    expect(attr.message).toContain('write false without quotes');
    const [conf] = diagnose({ main: 'app[:configuration] = { "scalr" => { "ui" => { "mindterm_enabled" => "Off" } } }\n' });
    expect(conf.message).toContain('config.yml carries it as text');
    expect(conf.message).toContain('write false without quotes');
  });

  it('an exact word string2boolean turns is a warning that says what reconfigure makes of it', () => {
    const [word] = diagnose({ main: 'proxy[:ssl_enable] = "no"\n' });
    expect([word.severity, word.code]).toEqual(['warning', 'value']);
    expect(word.message).toContain('turns into false');
    const [secret] = diagnose({ main: 'app[:configuration] = { "scalr" => { "connections" => { "ldap" => { "pass" => "off" } } } }\n' });
    expect(secret.severity).toBe('warning');
    expect(secret.message).toContain('Scalr gets false');
    expect(secret.message).not.toContain('"off"');
  });

  it('curly quotes inside strings and comments are text, not a problem', () => {
    const text = Buffer.from('# the docs write \u2018389\u2019 here\napp[:configuration] = { "scalr" => { "ui" => { "motd" => "it\u2019s \u201cfine\u201d" } } }\n', 'utf8');
    expect(diagnose({ main: text.toString('latin1') })).toEqual([]);
    requireRuby();
    const [r] = loadMany([text]);
    expect(r.ok, r.ok ? '' : r.error).toBe(true);
  });

  it('masks values of secret keys unless asked', () => {
    const text = 'mysql[:root_password] = "s3cret"\nmysql[:root_password] = "other"\n';
    expect(diagnose({ main: text }).map((f) => f.message).join('\n')).not.toContain('s3cret');
    expect(diagnose({ main: text, showSecrets: true }).map((f) => f.message).join('\n')).toContain('s3cret');
  });

  it('a value set twice in one file is a warning; the local file overriding the main one is not', () => {
    const same = diagnose({ main: 'proxy[:ssl_enable] = false\nproxy[:ssl_enable] = true\n' });
    expect(same.map((f) => [f.line, f.severity, f.code])).toEqual([[1, 'warning', 'overridden']]);
    expect(diagnose({ main: 'proxy[:ssl_enable] = false\n', local: 'proxy[:ssl_enable] = true\n' })).toEqual([]);
  });

  it('a second app[:configuration] that sets everything again is a warning only', () => {
    const block = 'app[:configuration] = { "scalr" => { "auth_mode" => "ldap" } }\n';
    const f = diagnose({ main: block + block });
    expect(f.map((x) => [x.line, x.severity, x.code])).toEqual([[2, 'warning', 'discarded']]);
  });

  it('--json errors still print the report on stdout and exit 3 (REFUSED)', async () => {
    const { main } = copyCase('enum-value');
    const r = await runCli(['--json', 'doctor', '--file', main]);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(JSON.parse(r.stdout).errors).toBe(1);
  });

  it('a missing main file is a clear error', async () => {
    const missing = join(tmpdir(), 'no-such-dir-scalr', 'scalr-server.rb');
    const r = await runCli(['doctor', '--file', missing, '--json']);
    const error = expectError(r, { code: 'unreadable', exit: 'REFUSED' });
    expect(error.message).toContain(`${missing}: no such file`);
  });
});
