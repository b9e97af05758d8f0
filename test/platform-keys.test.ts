/**
 * aws.instances_connection_policy (how Scalr's docs write it) and ec2.instances_connection_policy
 * (what Scalr's code reads, by platform id): set, doctor and explain say the same of the pair, and
 * set --with-ec2 writes both in one edit.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { diagnose } from '../src/knowledge/doctor';
import { at } from './support/checks';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { loadEffectiveText, requireRuby } from './support/ruby';
import { configDir, FAKE_CTL } from './support/tmp';

const AWS = 'aws.instances_connection_policy';
const EC2 = 'ec2.instances_connection_policy';
const dirs: string[] = [];

beforeAll(() => {
  requireRuby();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function sample(text?: string): { dir: string; file: string } {
  const made = configDir(text);
  dirs.push(made.dir);
  return made;
}

const notesOf = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('scalr-conf: note: ')).map((l) => l.slice('scalr-conf: note: '.length));
const pairNotes = (notes: string[]): string[] => notes.filter((n) => n.includes('by platform id'));

async function explainNotes(file: string, key: string): Promise<string[]> {
  const r = await runCli(['explain', key, '--file', file, '--json']);
  expect(r.code, r.stderr).toBe(EXIT.OK);
  return pairNotes((JSON.parse(r.stdout) as { notes: string[] }).notes);
}

async function doctorPairFindings(file: string): Promise<{ line: number; severity: string; message: string }[]> {
  const r = await runCli(['doctor', '--file', file, '--json']);
  const report = JSON.parse(r.stdout) as { findings: { line: number; severity: string; code: string; message: string }[] };
  return report.findings.filter((f) => f.code === 'platform-key');
}

describe('set, doctor and explain on the aws./ec2. pair', () => {
  it('setting only the docs spelling: all three say ec2. is not set, in the same words', async () => {
    const { file } = sample();
    const r = await runCli(['set', AWS, 'local', '--file', file, '--no-reconfigure', '--yes']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const [said] = pairNotes(notesOf(r.stderr));
    expect(said).toContain(`as ${EC2}, which is not set: set it too, to "local"`);
    expect(said).toContain('--with-ec2');

    expect(await explainNotes(file, AWS)).toEqual([said]);
    expect(await explainNotes(file, EC2)).toEqual([said]);
    const findings = await doctorPairFindings(file);
    expect(findings.map((f) => f.severity)).toEqual(['warning']);
    // doctor names places within the file it reports on by line, as its other findings do.
    expect(findings[0].message).toBe(said.replace(`${file}:`, 'line '));
    expect(said).toContain(`${file}:${findings[0].line}`);
  });

  it('setting ec2. against an aws. of another value: all three say the two disagree', async () => {
    const { file } = sample('app[:configuration] = {\n  "scalr" => {\n    "aws" => { "instances_connection_policy" => "local" },\n  },\n}\n');
    const r = await runCli(['set', EC2, 'public', '--file', file, '--no-reconfigure', '--yes']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const [said] = pairNotes(notesOf(r.stderr));
    expect(said).toMatch(/set to "public" at .*: the two disagree \(aws\.instances_connection_policy is "local" at /);
    expect(await explainNotes(file, AWS)).toEqual([said]);
    expect(await explainNotes(file, EC2)).toEqual([said]);
    const findings = await doctorPairFindings(file);
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(3);
  });

  it('set --local names scalr-server-local.rb in its note, as explain does', async () => {
    const { dir, file } = sample();
    const r = await runCli(['set', AWS, 'public', '--local', '--file', file, '--no-reconfigure', '--yes']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const [said] = pairNotes(notesOf(r.stderr));
    expect(said).toContain(`the value of ${AWS} at ${join(dir, 'scalr-server-local.rb')}:`);
    expect(await explainNotes(file, AWS)).toEqual([said]);
  });

  it('set --file - names stdin as <stdin> in its note, as a load problem does', async () => {
    const { file } = sample();
    const r = await runCli(['set', AWS, 'local', '--file', '-'], { stdin: readFileSync(file) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const [said] = pairNotes(notesOf(r.stderr));
    expect(said).toMatch(/ at <stdin>:\d+/);
    expect(said).not.toMatch(/ at -:/);
  });

  it('with both set alike, set and doctor are silent and explain says where ec2. is set', async () => {
    const { file } = sample();
    const r = await runCli(['set', AWS, 'local', EC2, 'local', '--file', file, '--no-reconfigure', '--yes']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(pairNotes(notesOf(r.stderr))).toEqual([]);
    expect(await doctorPairFindings(file)).toEqual([]);
    const [note] = await explainNotes(file, AWS);
    expect(note).toMatch(/as ec2\.instances_connection_policy, set to "local" at .*:\d+$/);
    expect(await explainNotes(file, EC2)).toEqual([note]);
  });

  it('doctor: only the docs spelling set, or the two apart, is a warning; the code key alone is not', () => {
    const codes = (main: string, local?: string) => diagnose({ main, local }).filter((f) => f.code === 'platform-key').map((f) => [f.layer, f.line, f.severity]);
    const hash = (body: string) => `app[:configuration] = {\n  "scalr" => {\n${body}  },\n}\n`;
    const aws = (v: string) => `    "aws" => { "instances_connection_policy" => "${v}" },\n`;
    const ec2 = (v: string) => `    "ec2" => { "instances_connection_policy" => "${v}" },\n`;
    expect(codes(hash(aws('local')))).toEqual([['main', 3, 'warning']]);
    expect(codes(hash(ec2('local')))).toEqual([]);
    expect(codes(hash(aws('local') + ec2('local')))).toEqual([]);
    expect(codes(hash(aws('local') + ec2('auto')))).toEqual([['main', 3, 'warning']]);
    // The local file decides: there ec2. catches up with scalr-server.rb's aws.
    expect(codes(hash(aws('local')), 'app[:configuration]["scalr"]["ec2"] = { "instances_connection_policy" => "local" }\n')).toEqual([]);
    // A value doctor already calls wrong is not one to copy.
    expect(codes(hash(aws('private')))).toEqual([]);
  });
});

describe('set --with-ec2', () => {
  it('a dry run shows one diff with both keys and writes nothing', async () => {
    const { file } = sample();
    const before = readFileSync(file);
    const r = await runCli(['set', AWS, 'local', '--with-ec2', '--file', file, '--dry-run']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout.match(/^\+\+\+ /gm)).toHaveLength(1);
    expect(r.stdout).toMatch(/^\+ +"aws" => \{$/m);
    expect(r.stdout).toMatch(/^\+ +"ec2" => \{$/m);
    expect(r.stdout.match(/^\+ +"instances_connection_policy" => "local",$/gm)).toHaveLength(2);
    expect(pairNotes(notesOf(r.stderr))).toEqual([]);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('writes both keys once, which Ruby reads, and doctor and explain agree', async () => {
    const { dir, file } = sample();
    const backups = join(dir, 'backups');
    const r = await runCli(['set', AWS, 'local', '--with-ec2', '--file', file, '--no-reconfigure', '--yes', '--backup-dir', backups, '--json']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const result = JSON.parse(r.stdout) as { changed: boolean; summary: string[] };
    expect(result.changed).toBe(true);
    expect(result.summary).toEqual([`set ${AWS}`, `set ${EC2}`]);
    // One write: one backup of the file before it.
    const saved = readdirSync(backups, { recursive: true }).map(String).filter((f) => f.endsWith('.bak'));
    expect(saved).toHaveLength(1);

    const eff = loadEffectiveText(readFileSync(file));
    expect(at(eff, ['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'])?.value).toBe('local');
    expect(at(eff, ['app', 'configuration', 'scalr', 'ec2', 'instances_connection_policy'])?.value).toBe('local');
    expect(await doctorPairFindings(file)).toEqual([]);
    expect((await explainNotes(file, AWS))[0]).toMatch(/set to "local" at /);
  });

  it('runs reconfigure once for both keys', async () => {
    const { dir, file } = sample();
    const log = join(dir, 'ctl.log');
    const r = await runCli(['set', AWS, 'auto', '--with-ec2', '--file', file, '--ctl', FAKE_CTL, '--yes'], { env: { FAKE_CTL_LOG: log } });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['reconfigure']);
    const eff = loadEffectiveText(readFileSync(file));
    expect(at(eff, ['app', 'configuration', 'scalr', 'ec2', 'instances_connection_policy'])?.value).toBe('auto');
  });

  it('into scalr-server-local.rb with --local', async () => {
    const { dir, file } = sample();
    const r = await runCli(['set', AWS, 'public', '--with-ec2', '--local', '--file', file, '--no-reconfigure', '--yes']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const local = readFileSync(join(dir, 'scalr-server-local.rb'));
    const eff = loadEffectiveText(readFileSync(file), local);
    expect(at(eff, ['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'])?.value).toBe('public');
    expect(at(eff, ['app', 'configuration', 'scalr', 'ec2', 'instances_connection_policy'])?.value).toBe('public');
  });

  it('is a usage error without an aws. key, or against another ec2. value in the same command; nothing is written', async () => {
    const { file } = sample();
    const before = readFileSync(file);
    const cases = [
      ['set', EC2, 'local', '--with-ec2'],
      ['set', 'system.instances_connection_timeout', '15', '--with-ec2'],
      ['set', AWS, 'local', EC2, 'public', '--with-ec2'],
      ['set', AWS, 'local', '--unset', EC2, '--with-ec2'],
    ];
    for (const args of cases) {
      const r = await runCli([...args, '--file', file, '--no-reconfigure', '--yes', '--json']);
      expect(expectError(r, { code: 'usage', exit: 'USAGE' }).message, args.join(' ')).toContain('--with-ec2');
      expect(readFileSync(file).equals(before)).toBe(true);
    }
    // The same value given twice is no conflict.
    const same = await runCli(['set', AWS, 'local', EC2, 'local', '--with-ec2', '--file', file, '--dry-run']);
    expect(same.code, same.stderr).toBe(EXIT.OK);
  });
});
