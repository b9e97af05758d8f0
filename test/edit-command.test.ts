/**
 * `scalr-conf edit`: the editor is a shell script the test writes (a different step on each run,
 * counted in a file), the answers are injected through deps, as a terminal would give them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Choice } from '../src/app/deps';
import { EXIT } from '../src/app/exitCodes';
import { lockPathFor } from '../src/io/lock';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { loadUses, requireRuby, usesChanges } from './support/ruby';

const MAIN = 'app[:configuration] = {\n  "scalr" => {\n    "system" => { "instances_connection_timeout" => 10 },\n  },\n}\n';
const dirs: string[] = [];
const holders: ChildProcess[] = [];
afterEach(() => {
  for (const h of holders.splice(0)) h.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Asked {
  question: string;
  options: string[];
}

/**
 * A config dir and an editor whose n-th run does steps[n-1] (sh, with the copy as $1 and the
 * config dir as @DIR@), then exits with its status. Each run records the path it was given, so a test can look for the copy after.
 */
function setup(steps: string[], main = MAIN) {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-edit-'));
  dirs.push(dir);
  const file = join(dir, 'scalr-server.rb');
  const local = join(dir, 'scalr-server-local.rb');
  writeFileSync(file, main);
  const editor = join(dir, 'editor.sh');
  const cases = steps.map((s, i) => `  ${i + 1}) ${s.replaceAll('@DIR@', dir)} ;;`).join('\n');
  writeFileSync(
    editor,
    `#!/bin/sh\nn=$(( $(cat '${dir}/count' 2>/dev/null || echo 0) + 1 ))\necho $n > '${dir}/count'\necho "$1" >> '${dir}/copies'\ncase $n in\n${cases}\nesac\n`,
  );
  chmodSync(editor, 0o755);
  const backups = join(dir, 'backups');
  const asked: Asked[] = [];
  const confirmed: string[] = [];
  /** answers: for the menu, in order; then `abandon`. confirms: for "are you sure", in order; then no. */
  const edit = (answers: string[], args: string[] = [], o: { tty?: boolean; confirms?: boolean[] } = {}) =>
    runCli(['--file', file, '--backup-dir', backups, '--no-reconfigure', 'edit', ...args], {
      env: { EDITOR: editor },
      tty: o.tty ?? true,
      choose: async (question: string, options: Choice[]) => {
        asked.push({ question, options: options.map((c) => c.value) });
        const answer = answers.shift() ?? 'abandon';
        if (!options.some((c) => c.value === answer)) throw new Error(`${answer} was not offered: ${options.map((c) => c.value).join(', ')}`);
        return answer;
      },
      confirm: async (question: string) => {
        confirmed.push(question);
        return o.confirms?.shift() ?? false;
      },
    });
  const runs = () => (existsSync(join(dir, 'copies')) ? readFileSync(join(dir, 'copies'), 'utf8').trim().split('\n') : []);
  /** Every copy the editor was given is gone, with the directory made for it. */
  const copiesGone = () => runs().every((copy) => !existsSync(copy) && !existsSync(join(copy, '..')));
  const backupCount = () => (existsSync(backups) ? readdirSync(backups, { recursive: true }).filter((f) => String(f).endsWith('.bak')).length : 0);
  return { dir, file, local, backups, edit, asked, confirmed, runs, copiesGone, backupCount };
}

const CHANGE = `sed -i 's/=> 10/=> 45/' "$1"`;
const BREAK = `sed -i 's/=> 10/=> 10,,/' "$1"`;
const FIX = `sed -i 's/=> 10,,/=> 45/' "$1"`;
/** A near miss of a known key: a doctor error the file did not have, so installing it is doubtful. */
const MISSPELL = `sed -i 's/instances_connection_timeout/instances_connection_timeot/' "$1"`;
const CHANGED = MAIN.replace('=> 10', '=> 45');

describe('scalr-conf edit: install, nothing, re-edit, abandon', () => {
  it('installs a change with a backup, keeps mode and owner, and Ruby sees exactly that setting change', async () => {
    requireRuby();
    const s = setup([CHANGE]);
    chmodSync(s.file, 0o640);
    // Root can give the file to someone else; another user keeps its own, which must stay too.
    const owner = process.getuid?.() === 0 ? 4321 : statSync(s.file).uid;
    if (owner === 4321) chownSync(s.file, 4321, 4322);
    const r = await s.edit(['install']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.OK);
    expect(s.asked.map((a) => a.options)).toEqual([['install', 're-edit', 'abandon']]);
    expect(r.stdout).toContain('system.instances_connection_timeout: 10 \u2192 45');
    expect(r.stdout).toMatch(/^wrote .*scalr-server\.rb \(previous version saved as backup /m);
    const after = readFileSync(s.file, 'utf8');
    expect(after).toBe(CHANGED);
    expect(s.backupCount()).toBe(1);
    const st = statSync(s.file);
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.uid).toBe(owner);
    expect(s.copiesGone()).toBe(true);
    // The node attribute app[:configuration] and config.yml both carry it; nothing else changes.
    const changed = usesChanges(loadUses({ main: MAIN }), loadUses({ main: after }));
    expect(changed.map((p) => p.slice(-2).join('.'))).toEqual(changed.map(() => 'system.instances_connection_timeout'));
    expect(changed).toContainEqual(['configuration', 'scalr', 'system', 'instances_connection_timeout']);
  });

  it('an unchanged copy writes nothing, says so, asks nothing and exits 0', async () => {
    const s = setup(['true']);
    const before = statSync(s.file);
    const r = await s.edit([]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^no changes made to .*scalr-server\.rb; nothing written$/m);
    expect(s.asked).toEqual([]);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    expect(statSync(s.file).mtimeMs).toBe(before.mtimeMs);
    expect(existsSync(s.backups)).toBe(false);
    expect(s.runs()).toHaveLength(1);
    expect(s.copiesGone()).toBe(true);
  });

  it('a change that changes no setting is still a change: it is said and may be installed', async () => {
    const s = setup([`sed -i '1i # timeout raised for the slow region' "$1"`]);
    const r = await s.edit(['install']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain('no setting Scalr uses changes');
    expect(readFileSync(s.file, 'utf8')).toBe('# timeout raised for the slow region\n' + MAIN);
  });

  it('a syntax error cannot be installed: re-edit opens the broken copy again, and its fix is installed', async () => {
    const s = setup([BREAK, `grep -q '=> 10,,' "$1" || exit 3; ${FIX}`]);
    const r = await s.edit(['re-edit', 'install']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(s.asked.map((a) => a.options)).toEqual([
      ['re-edit', 'abandon'],
      ['install', 're-edit', 'abandon'],
    ]);
    expect(s.asked[0].question).toMatch(/cannot be installed/);
    expect(r.stdout).toMatch(/^problem: .*scalr-server\.rb \(edited\): syntax error at line 3/m);
    expect(readFileSync(s.file, 'utf8')).toBe(CHANGED);
    // Both runs edited the same copy, which is gone now.
    expect(new Set(s.runs()).size).toBe(1);
    expect(s.runs()).toHaveLength(2);
    expect(s.copiesGone()).toBe(true);
  });

  it('abandon leaves the file and its backups alone, with ABORTED (9), also after a re-edit', async () => {
    for (const answers of [['abandon'], ['re-edit', 'abandon']]) {
      const s = setup([CHANGE, 'true']);
      const r = await s.edit(answers);
      expect(r.code).toBe(EXIT.ABORTED);
      expect(r.stderr).toMatch(/^scalr-conf: edit abandoned; .*scalr-server\.rb is unchanged\n$/);
      expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
      expect(existsSync(s.backups)).toBe(false);
      expect(s.copiesGone()).toBe(true);
    }
  });

  it('an editor that fails or is killed discards the edit unasked, with ABORTED, and removes the copy', async () => {
    for (const [step, said] of [
      [`${CHANGE}; exit 1`, /exited with status 1/],
      [`${CHANGE}; kill -KILL $$`, /was stopped by SIGKILL/],
      ['exit 127', /exited with status 127/],
    ] as const) {
      const s = setup([step]);
      const r = await s.edit(['install']);
      expect(r.code).toBe(EXIT.ABORTED);
      expect(s.asked).toEqual([]);
      expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
      expect(existsSync(s.backups)).toBe(false);
      expect(s.copiesGone()).toBe(true);
      // The same failure as data: --json needs --yes, which asks nothing either.
      const j = setup([step]);
      const error = expectError(await j.edit([], ['--yes', '--json'], { tty: false }), { code: 'aborted', exit: 'ABORTED', file: j.file });
      expect(error.message).toMatch(said);
      expect(readFileSync(j.file, 'utf8')).toBe(MAIN);
      expect(j.copiesGone()).toBe(true);
    }
  });

  it('an editor that removes the copy discards the edit, with ABORTED', async () => {
    const s = setup([`rm "$1"`]);
    const r = await s.edit([], ['--yes', '--json'], { tty: false });
    expect(expectError(r, { code: 'aborted', exit: 'ABORTED', file: s.file }).message).toContain('left no file to read back');
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    expect(s.copiesGone()).toBe(true);
  });

  it('a file changed on disk while the editor ran is not overwritten', async () => {
    const s = setup([`echo '# edited elsewhere' >> '@DIR@/scalr-server.rb'; ${CHANGE}`]);
    const r = await s.edit([], ['--yes', '--json'], { tty: false });
    expectError(r, { code: 'changed-on-disk', exit: 'CHANGED_ON_DISK', file: s.file });
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN + '# edited elsewhere\n');
    expect(existsSync(s.backups)).toBe(false);
    expect(s.copiesGone()).toBe(true);
  });

  it('an editor that replaces the copy (write a new file, rename it over) is read by name', async () => {
    const s = setup([`sed 's/=> 10/=> 45/' "$1" > "$1.new" && mv "$1.new" "$1"`]);
    const r = await s.edit(['install']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(s.file, 'utf8')).toBe(CHANGED);
    expect(s.copiesGone()).toBe(true);
  });

  it('the copy is private: 0600 in a directory only its owner can enter', async () => {
    const s = setup([`stat -c %a "$1" "$(dirname "$1")" > '@DIR@/copy-mode'`]);
    await s.edit([]);
    expect(readFileSync(join(s.dir, 'copy-mode'), 'utf8').split('\n').slice(0, 2)).toEqual(['600', '700']);
  });
});

describe('scalr-conf edit: doubtful edits, --yes and --force', () => {
  it('a doubtful edit asks once more before installing; no there goes back to the menu', async () => {
    const s = setup([MISSPELL]);
    const r = await s.edit(['install', 'install'], [], { confirms: [false, true] });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^problem: .*unknown key system\.instances_connection_timeot/m);
    expect(s.confirmed).toHaveLength(2);
    expect(s.confirmed[0]).toMatch(/with 1 problem\?$/);
    expect(readFileSync(s.file, 'utf8')).toContain('instances_connection_timeot');
  });

  it('--force installs a doubtful edit without the second question', async () => {
    const s = setup([MISSPELL]);
    const r = await s.edit(['install'], ['--force']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(s.confirmed).toEqual([]);
    expect(readFileSync(s.file, 'utf8')).toContain('instances_connection_timeot');
  });

  it('without a terminal and without --yes, refuses before the editor runs', async () => {
    const s = setup([CHANGE]);
    const r = await s.edit([], [], { tty: false });
    expect(r.code).toBe(EXIT.ABORTED);
    expect(r.stderr).toMatch(/no terminal to ask on \(--yes installs/);
    expect(s.runs()).toEqual([]);
  });

  it('--yes (no terminal needed) installs a clean edit unasked', async () => {
    const s = setup([CHANGE]);
    const r = await s.edit([], ['--yes'], { tty: false });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(s.asked).toEqual([]);
    expect(s.confirmed).toEqual([]);
    expect(readFileSync(s.file, 'utf8')).toBe(CHANGED);
    expect(s.copiesGone()).toBe(true);
  });

  it('--yes on a terminal asks nothing either', async () => {
    const s = setup([CHANGE]);
    const r = await s.edit([], ['--yes']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(s.asked).toEqual([]);
    expect(s.confirmed).toEqual([]);
    expect(readFileSync(s.file, 'utf8')).toBe(CHANGED);
  });

  it('--yes refuses a doubtful edit unless --force, and a broken one always', async () => {
    const doubtful = setup([MISSPELL]);
    const refused = await doubtful.edit([], ['--yes', '--json'], { tty: false });
    expect(expectError(refused, { code: 'aborted', exit: 'ABORTED', file: doubtful.file }).message).toContain('--force');
    expect(readFileSync(doubtful.file, 'utf8')).toBe(MAIN);
    expect(doubtful.copiesGone()).toBe(true);

    const forced = setup([MISSPELL]);
    expect((await forced.edit([], ['--yes', '--force'], { tty: false })).code).toBe(EXIT.OK);
    expect(readFileSync(forced.file, 'utf8')).toContain('instances_connection_timeot');

    const broken = setup([BREAK]);
    const r = await broken.edit([], ['--yes', '--force', '--json'], { tty: false });
    expectError(r, { code: 'syntax', exit: 'REFUSED', line: 3 });
    expect(readFileSync(broken.file, 'utf8')).toBe(MAIN);
    expect(existsSync(broken.backups)).toBe(false);
    expect(broken.copiesGone()).toBe(true);
    expect(broken.asked).toEqual([]);
  });

  it('a value only Ruby can compute (a string whose quotes were dropped) is doubtful', async () => {
    requireRuby();
    const bare = `sed -i 's/=> 10/=> ten/' "$1"`;
    const s = setup([bare]);
    const r = await s.edit([], ['--yes'], { tty: false });
    expect(r.code).toBe(EXIT.ABORTED);
    expect(r.stdout).toMatch(/^problem: .*scalr-server\.rb \(edited\) line 3: system\.instances_connection_timeout: cannot tell what Scalr gets \(the variable or method "ten"\)/m);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    // Rightly: Ruby cannot load it.
    expect(loadUses({ main: MAIN.replace('=> 10', '=> ten') }).error?.class).toBe('Mixlib::Config::UnknownConfigOptionError');
    const asked = setup([bare]);
    expect((await asked.edit(['install', 'abandon'], [], { confirms: [false] })).code).toBe(EXIT.ABORTED);
    expect(asked.confirmed).toHaveLength(1);
    expect(readFileSync(asked.file, 'utf8')).toBe(MAIN);
  });

  it('--dry-run shows the change and writes nothing', async () => {
    const s = setup([CHANGE]);
    const r = await s.edit(['install'], ['--dry-run', '--color', 'never']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^\+ {4}"system" => \{ "instances_connection_timeout" => 45 \},$/m);
    expect(r.stdout).toMatch(/dry run: .* not written/);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    expect(s.copiesGone()).toBe(true);
  });
});

describe('scalr-conf edit --local', () => {
  it('edits scalr-server-local.rb, creating it only when something is written', async () => {
    const untouched = setup(['true']);
    expect((await untouched.edit([], ['--local'])).code).toBe(EXIT.OK);
    expect(existsSync(untouched.local)).toBe(false);

    const abandoned = setup([`echo 'proxy[:ssl_enable] = false' > "$1"`]);
    expect((await abandoned.edit(['abandon'], ['--local'])).code).toBe(EXIT.ABORTED);
    expect(existsSync(abandoned.local)).toBe(false);

    const s = setup([`grep -q . "$1" && exit 4; echo 'proxy[:ssl_enable] = false' > "$1"`]);
    chmodSync(s.file, 0o640);
    const r = await s.edit(['install'], ['--local']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^wrote .*scalr-server-local\.rb/m);
    expect(readFileSync(s.local, 'utf8')).toBe('proxy[:ssl_enable] = false\n');
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    // A new local file is made like the main one.
    expect(statSync(s.local).mode & 0o7777).toBe(0o640);
    expect(s.copiesGone()).toBe(true);
  });

  it('the change is judged with the main file: what Scalr uses after both', async () => {
    const s = setup([`printf 'app[:configuration] = { "scalr" => { "system" => { "instances_connection_timeout" => 99 } } }\\n' > "$1"`]);
    const r = await s.edit(['install'], ['--local']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain('system.instances_connection_timeout: 10 \u2192 99');
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
  });
});

describe('scalr-conf edit and the lock', () => {
  it('refuses with BUSY, without opening the editor, while another process holds the lock', async () => {
    const s = setup([CHANGE]);
    const lock = lockPathFor(s.file);
    writeFileSync(lock, '');
    const holder = spawn('flock', ['-x', lock, 'sleep', '30'], { stdio: 'ignore' });
    holders.push(holder);
    // Held once a non-blocking attempt fails.
    for (let i = 0; i < 100 && spawnSync('flock', ['-n', lock, 'true']).status === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const r = await s.edit([], ['--wait', '0', '--yes', '--json'], { tty: false });
    expectError(r, { code: 'busy', exit: 'BUSY' });
    expect(s.runs()).toEqual([]);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    // --local takes the same lock, and leaves no empty local file behind.
    expectError(await s.edit([], ['--wait', '0', '--local', '--yes', '--json'], { tty: false }), { code: 'busy', exit: 'BUSY' });
    expect(s.runs()).toEqual([]);
    expect(existsSync(s.local)).toBe(false);
  });

  it('holds the lock while the editor runs', async () => {
    const s = setup([`flock -n '@DIR@/.scalr-server.rb.scalr-conf.lock' true; echo $? > '@DIR@/tried'; ${CHANGE}`]);
    const r = await s.edit(['install']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    // flock -n exits 1 when someone else holds the lock.
    expect(readFileSync(join(s.dir, 'tried'), 'utf8').trim()).toBe('1');
  });
});

describe('scalr-conf edit --json', () => {
  it('is a usage error without --yes (the questions would share stdout with the JSON), before the editor', async () => {
    const s = setup([CHANGE]);
    const r = await s.edit(['install'], ['--json']);
    expectError(r, { code: 'usage', exit: 'USAGE' });
    expect(s.runs()).toEqual([]);
  });

  it('with --yes prints one JSON result on stdout, progress on stderr', async () => {
    const s = setup([CHANGE]);
    const r = await s.edit([], ['--yes', '--json'], { tty: false });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ changed: true, dryRun: false, reconfigured: false, summary: ['edit: system.instances_connection_timeout'] });
    expect(result.diff).toContain('+    "system" => { "instances_connection_timeout" => 45 },');
    expect(typeof result.backup).toBe('string');
    expect(r.stderr).toContain('1 setting Scalr uses would change');

    const none = setup(['true']);
    const n = await none.edit([], ['--yes', '--json'], { tty: false });
    expect(n.code).toBe(EXIT.OK);
    expect(JSON.parse(n.stdout)).toMatchObject({ changed: false, diff: '' });
  });

  it('errors are JSON on stderr and nothing is on stdout', async () => {
    const s = setup([BREAK]);
    const r = await s.edit([], ['--yes', '--json'], { tty: false });
    // expectError also holds stdout empty; the checks' progress lines stay on stderr before it.
    expectError(r, { code: 'syntax', exit: 'REFUSED', line: 3 });
  });
});

describe('scalr-conf edit and secrets', () => {
  // Last, so that a comma after it leaves a syntax error there rather than a multiple assignment.
  const SECRET = MAIN + 'mysql[:root_password] = "hunter2"\n';

  it('a syntax error next to a secret is reported with it masked', async () => {
    const s = setup([`sed -i 's/"hunter2"/"hunter2",/' "$1"`], SECRET);
    const r = await s.edit(['abandon']);
    expect(r.code).toBe(EXIT.ABORTED);
    expect(r.stdout).toMatch(/^problem: .*syntax error at line 6.*\*{8}/m);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });

  it('a secret whose quotes the edit dropped is masked in the review and the diff', async () => {
    const s = setup([`sed -i 's/"hunter2"/hunter2/' "$1"`], SECRET);
    const r = await s.edit(['install'], ['--dry-run', '--color', 'never', '--force']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^problem: .* line 6: mysql\[:root_password\]: cannot tell what Scalr gets \(a value only Ruby can compute\)/m);
    expect(r.stdout).toMatch(/^ {2}mysql\[:root_password\]: "\*{8}" \u2192 \(cannot tell: .*:6 has a value only Ruby can compute\)$/m);
    expect(r.stdout).toMatch(/^\+mysql\[:root_password\] = \*{8}$/m);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });

  it('a secret that changes is listed masked, unless --show-secrets', async () => {
    const s = setup([`sed -i 's/hunter2/swordfish/' "$1"`], SECRET);
    const r = await s.edit(['abandon']);
    expect(r.stdout).toMatch(/^ {2}mysql\[:root_password\]: "\*{8}" \u2192 "\*{8}"$/m);
    expect(r.stdout + r.stderr).not.toMatch(/hunter2|swordfish/);
    const shown = setup([`sed -i 's/hunter2/swordfish/' "$1"`], SECRET);
    expect((await shown.edit(['abandon'], ['--show-secrets'])).stdout).toContain('swordfish');
  });
});
