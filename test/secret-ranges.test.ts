import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../src/edit/diff';
import { maskDiff } from '../src/edit/maskDiff';
import { maskText, secretRanges } from '../src/ruby/secretRanges';
import { binOf, type Canonical } from '../src/values/value';
import { keyOfPath } from '../src/ruby/writes';
import { isSecretKey } from '../src/knowledge/schema';
import { EXIT } from '../src/app/exitCodes';
import { maskFileDiff } from '../src/app/secrets';
import { runCli } from './support/cli';
import { loadEffectiveText, requireRuby } from './support/ruby';
import { configDir, FAKE_CTL } from './support/tmp';

const masked = (text: string): string => maskText(text, secretRanges(text, isSecretKey));
const maskedDiff = (before: string, after: string): string =>
  maskDiff(unifiedDiff('/etc/scalr-server/scalr-server.rb', before, after), { text: before, ranges: secretRanges(before, isSecretKey) }, { text: after, ranges: secretRanges(after, isSecretKey) });

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Every string form Ruby has, each under a secret key, and values beside them that are no secret.
const FORMS = `mysql[:root_password] = "dq-secret"
mysql[:scalr_password] = 'sq-secret'
mysql[:repl_password] = %q(pq-secret)
memcached[:password] = %Q[pQ-secret]
app[:secret_key] = %w[w1-secret w2-secret]
proxy[:token] = <<~EOS
  heredoc-secret
  heredoc2-secret
EOS
web[:api_key] = "cat1-secret" + 'cat2-secret'
app[:admin_password] = "adj1-secret" 'adj2-secret'
app[:configuration] = {
  "scalr" => {
    "connections" => { "mysql" => { "pass" => "pair-secret", "user" => "scalr-user" } },
    :aws => { secret_key: 'aws-secret', "bypass" => "visible-bypass" },
    "ui" => { "recaptcha" => { private_key: <<-KEY, public_key: "visible-public" } },
      key-heredoc-secret
    KEY
  },
}
app[:configuration]["scalr"]["environment"] = "visible-env"
`;

/** The leaves of Ruby's own result, each with whether its key is secret. */
function leaves(v: Canonical, path: string[], out: { secret: boolean; text: string }[], secret = false): void {
  if (typeof v === 'string') out.push({ secret, text: v });
  else if (Array.isArray(v)) for (const x of v) leaves(x, path, out, secret);
  else if (v && typeof v === 'object' && !('$sym' in v || '$bytes' in v || '$int' in v || '$float' in v)) {
    for (const [k, x] of Object.entries(v)) leaves(x, [...path, k], out, isSecretKey(keyOfPath([...path, k].map(binOf))));
  }
}

function rubyLeaves(text: string): { secret: boolean; text: string }[] {
  const out: { secret: boolean; text: string }[] = [];
  for (const [group, v] of Object.entries(loadEffectiveText(text).groups)) leaves(v, [group], out);
  return out;
}

describe('secret ranges from the parse', () => {
  it('mask every string form, and leave every other value as Ruby reads it', () => {
    requireRuby();
    const shown = masked(FORMS);
    const before = rubyLeaves(FORMS);
    const secrets = before.filter((l) => l.secret);
    // Each word is part of a value Ruby holds under a secret key, and none is left in the text.
    const words = ['dq', 'sq', 'pq', 'pQ', 'w1', 'w2', 'heredoc', 'heredoc2', 'cat1', 'cat2', 'adj1', 'adj2', 'pair', 'aws', 'key-heredoc'].map((w) => `${w}-secret`);
    for (const w of words) {
      expect(secrets.some((l) => l.text.includes(w)), w).toBe(true);
      expect(shown).not.toContain(w);
    }
    // The masked text is still the same Ruby, with the same values wherever the key is no secret.
    const after = rubyLeaves(shown);
    expect(after.filter((l) => !l.secret)).toEqual(before.filter((l) => !l.secret));
    expect(after.filter((l) => !l.secret).map((l) => l.text)).toEqual(expect.arrayContaining(['scalr-user', 'visible-bypass', 'visible-public', 'visible-env']));
    expect(after.filter((l) => l.secret).every((l) => /^(\*{8}\s*)+$/.test(l.text))).toBe(true);

    expect(shown.split('\n')).toEqual(
      expect.arrayContaining([
        'mysql[:root_password] = "********"',
        "mysql[:scalr_password] = '********'",
        'mysql[:repl_password] = %q(********)',
        'memcached[:password] = %Q[********]',
        'app[:secret_key] = %w[********]',
        'proxy[:token] = <<~EOS',
        '********',
        'EOS',
        `web[:api_key] = "********" + '********'`,
        `app[:admin_password] = "********" '********'`,
        '    "connections" => { "mysql" => { "pass" => "********", "user" => "scalr-user" } },',
        `    :aws => { secret_key: '********', "bypass" => "visible-bypass" },`,
      ]),
    );
    expect(shown.split('\n').length).toBe(FORMS.split('\n').length);
  });

  it('mask the secrets of a local file, in conditionals, variables and comments too', () => {
    const local = [
      'app[:configuration]["scalr"]["connections"]["ldap"]["pass"] = "ldap-secret"',
      'if File.exist?("/etc/x")',
      '  mysql[:root_password] = "cond-secret"',
      'end',
      'db_password = "var-secret"',
      'memcached[:password] ||= "or-secret"',
      'settings.api_token = "call-secret"',
      'configure(secret_key: 12345, name: "visible-name")',
      '# was: "pass" => "comment-secret"',
      'app[:configuration]["scalr"]["connections"]["ldap"]["user"] = "cn=visible"',
      '',
    ].join('\n');
    const shown = masked(local);
    expect(shown).not.toMatch(/ldap-secret|cond-secret|var-secret|comment-secret|or-secret|call-secret|12345/);
    expect(shown).toContain('configure(secret_key: ********, name: "visible-name")');
    expect(shown).toContain('"cn=visible"');
    expect(shown).toContain('File.exist?("/etc/x")');
  });

  it('finds the secret in a file that does not parse', () => {
    const shown = masked('mysql[:root_password] = "broken-secret"\napp[:configuration] = { "pass" => "err-secret", \n');
    expect(shown).not.toMatch(/broken-secret|err-secret/);
  });

  it('mask a diff by the old text on removed lines and the new text on the rest', () => {
    const before = 'mysql[:root_password] = "old-pw"\napp[:configuration] = {\n  "scalr" => { "connections" => { "mysql" => { "pass" => "old-db" } } },\n}\n';
    // The new secret is a heredoc: its lines are no secret by themselves, only the new parse knows.
    const after = 'mysql[:root_password] = <<~PW\n  new-pw\nPW\napp[:configuration] = {\n  "scalr" => { "connections" => { "mysql" => { "pass" => "new-db" } } },\n}\n';
    const diff = maskedDiff(before, after);
    expect(diff).not.toMatch(/old-pw|new-pw|old-db|new-db/);
    expect(diff.split('\n')).toEqual(
      expect.arrayContaining([
        '-mysql[:root_password] = "********"',
        '+mysql[:root_password] = <<~PW',
        '+********',
        '+PW',
        '-  "scalr" => { "connections" => { "mysql" => { "pass" => "********" } } },',
        '+  "scalr" => { "connections" => { "mysql" => { "pass" => "********" } } },',
      ]),
    );
    // The same diff line for line, with only the secrets' text replaced.
    const plain = unifiedDiff('/etc/scalr-server/scalr-server.rb', before, after).split('\n');
    const lines = diff.split('\n');
    expect(lines.map((l) => l[0])).toEqual(plain.map((l) => l[0]));
    expect(lines.filter((l, i) => l !== plain[i])).toHaveLength(4);
  });

  it('read only the lines a diff shows, and still find a heredoc begun above them', () => {
    // Each line alone as the window finds exactly the secrets of the whole file that touch it.
    const full = secretRanges(FORMS, isSecretKey);
    let start = 0;
    for (const line of FORMS.split('\n')) {
      const window = { start, end: start + line.length + 1 };
      const touching = full.filter((r) => r.start < window.end && r.end > window.start);
      expect(secretRanges(FORMS, isSecretKey, [window]).filter((r) => r.start < window.end && r.end > window.start), line).toEqual(touching);
      start = window.end;
    }
    const body = Array.from({ length: 12 }, (_, i) => `  line${i}-secret`).join('\n');
    const before = `proxy[:port] = 80\nmysql[:root_password] = <<~PW\n${body}\nPW\n`;
    const after = before.replace('line10-secret', 'changed-secret');
    const diff = maskFileDiff(unifiedDiff('f', before, after), before, after);
    expect(diff).not.toContain('mysql[:root_password]');
    expect(diff).toContain('-********\n+********\n');
    expect(diff).not.toMatch(/line\d+-secret|changed-secret/);
  });

  it('keep CRLF line ends, in the text and in a diff', () => {
    const before = 'proxy[:port] = 80\r\nmysql[:root_password] = "crlf-old"\r\nmemcached[:password] = <<~EOS\r\n  crlf-heredoc\r\nEOS\r\n';
    const after = before.replace('crlf-old', 'crlf-new');
    expect(masked(before)).toBe('proxy[:port] = 80\r\nmysql[:root_password] = "********"\r\nmemcached[:password] = <<~EOS\r\n********\r\nEOS\r\n');
    const diff = maskedDiff(before, after);
    expect(diff).toContain('-mysql[:root_password] = "********"\r\n+mysql[:root_password] = "********"\r\n');
    expect(diff).not.toMatch(/crlf-/);
  });

  it('count offsets past multi-byte text, in byte strings and in UTF-16 strings', () => {
    const text = '# café ☃ 😀\nproxy[:x] = "naïve 😀"\nmysql[:root_password] = "pw-é☃😀"\n';
    for (const form of [binOf(text), text]) {
      const ranges = secretRanges(form, isSecretKey);
      expect(ranges.map((r) => form.slice(r.start, r.end))).toEqual([form === text ? 'pw-é☃😀' : binOf('pw-é☃😀')]);
      expect(masked(form)).toBe((form === text ? (s: string) => s : binOf)('# café ☃ 😀\nproxy[:x] = "naïve 😀"\nmysql[:root_password] = "********"\n'));
    }
  });

  it('set --dry-run of a secret key shows no secret in the diff, text or JSON', async () => {
    const { dir, file } = configDir('mysql[:root_password] = %q(old-root)\napp[:configuration] = {\n  "scalr" => { "connections" => { "mysql" => { "pass" => <<~PW } } },\n    old-db\n  PW\n}\n');
    dirs.push(dir);
    const env = { SCALR_CONF_BACKUP_DIR: join(dir, 'b') };
    const text = await runCli(['set', 'mysql[:root_password]', 'new-root', 'connections.mysql.pass', 'new-db', '--file', file, '--dry-run'], { env });
    expect(text.code).toBe(EXIT.OK);
    expect(text.stdout).toContain('-mysql[:root_password] = %q(********)');
    expect(text.stdout).not.toMatch(/old-root|new-root|old-db|new-db/);
    const json = await runCli(['set', 'mysql[:root_password]', 'new-root', '--file', file, '--dry-run', '--json'], { env });
    expect(JSON.parse(json.stdout).diff).toContain('+mysql[:root_password] = "********"');
    expect(json.stdout).not.toMatch(/old-root|new-root/);
    const explained = await runCli(['explain', 'mysql[:root_password]', '--file', file], { env });
    expect(explained.stdout).toContain('mysql[:root_password] = %q(********)');
    expect(explained.stdout).not.toMatch(/old-root/);
    const shown = await runCli(['set', 'mysql[:root_password]', 'new-root', '--file', file, '--dry-run', '--show-secrets'], { env });
    expect(shown.stdout).toContain('-mysql[:root_password] = %q(old-root)\n+mysql[:root_password] = "new-root"\n');
  });

  it('history show and history diff mask the kept files by their parse', async () => {
    const { dir, file } = configDir('app[:admin_password] = %q(old-admin)\nproxy[:port] = 80\n');
    dirs.push(dir);
    const env = { SCALR_CONF_BACKUP_DIR: join(dir, 'b'), FAKE_CTL_LOG: join(dir, 'ctl.log') };
    const base = ['--file', file, '--ctl', FAKE_CTL];
    expect((await runCli(['set', 'app[:admin_password]', 'new-admin', ...base], { env })).code).toBe(EXIT.OK);
    const [entry] = JSON.parse((await runCli(['history', '--json', ...base], { env })).stdout) as { id: string; command: string }[];
    expect(entry.command).not.toContain('new-admin');
    const show = await runCli(['history', 'show', entry.id, ...base], { env });
    expect(show.stdout).toBe('app[:admin_password] = "********"\nproxy[:port] = 80\n');
    const diff = await runCli(['history', 'diff', entry.id, ...base], { env });
    expect(diff.stdout).toContain('-app[:admin_password] = %q(********)\n+app[:admin_password] = "********"\n');
    expect(diff.stdout).not.toMatch(/old-admin|new-admin/);
    expect((await runCli(['history', 'show', entry.id, '--show-secrets', ...base], { env })).stdout).toContain('"new-admin"');
  });
});
