/** `scalr-conf edit`: the editor is a shell script; the answers are injected through deps. */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/exitCodes';
import { runCli } from './support/cli';
import { loadUses, requireRuby, usesChanges } from './support/ruby';

const MAIN = 'app[:configuration] = {\n  "scalr" => {\n    "system" => { "instances_connection_timeout" => 10 },\n  },\n}\n';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(script: string) {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-edit-'));
  dirs.push(dir);
  const file = join(dir, 'scalr-server.rb');
  writeFileSync(file, MAIN);
  const editor = join(dir, 'editor.sh');
  writeFileSync(editor, `#!/bin/sh\n${script}\n`);
  chmodSync(editor, 0o755);
  const backups = join(dir, 'backups');
  const edit = (answers: string[], ...args: string[]) =>
    runCli(['--file', file, '--backup-dir', backups, '--no-reconfigure', 'edit', ...args], { env: { EDITOR: editor }, tty: true, choose: async () => answers.shift() ?? 'abandon' });
  return { dir, file, backups, edit };
}

const CHANGE = `sed -i 's/=> 10/=> 45/' "$1"`;

describe('scalr-conf edit', () => {
  it('an unchanged copy writes nothing', async () => {
    const s = setup('true');
    const r = await s.edit([]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain('no changes made');
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
  });

  it('installs a change with a backup, and Ruby sees exactly that setting change', async () => {
    requireRuby();
    const s = setup(CHANGE);
    const r = await s.edit(['install']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain('system.instances_connection_timeout: 10 \u2192 45');
    const after = readFileSync(s.file, 'utf8');
    expect(after).toBe(MAIN.replace('=> 10', '=> 45'));
    expect(readdirSync(s.backups, { recursive: true }).some((f) => String(f).endsWith('.bak'))).toBe(true);
    // The node attribute app[:configuration] and config.yml both carry it; nothing else changes.
    const changed = usesChanges(loadUses({ main: MAIN }), loadUses({ main: after }));
    expect(changed.map((p) => p.slice(-2).join('.'))).toEqual(changed.map(() => 'system.instances_connection_timeout'));
    expect(changed).toContainEqual(['configuration', 'scalr', 'system', 'instances_connection_timeout']);
  });

  it('abandon and a failing editor leave the file untouched', async () => {
    const s = setup(CHANGE);
    expect((await s.edit(['abandon'])).code).toBe(EXIT.ABORTED);
    const t = setup(`${CHANGE}\nexit 1`);
    expect((await t.edit(['install'])).code).toBe(EXIT.ABORTED);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    expect(readFileSync(t.file, 'utf8')).toBe(MAIN);
  });
});
