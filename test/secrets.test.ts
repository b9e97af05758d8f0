import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { configDir } from './support/tmp';
import { EXIT } from '../src/app/exitCodes';
import { maskSecrets } from '../src/app/secrets';

const FILE = `mysql[:root_password] = "r00t-pw"
app[:configuration] = {
  "scalr" => {
    "connections" => { "mysql" => { "pass" => "db-pw", "user" => "scalr" } },
    :aws => { secret_key: 'aws-secret', "bypass" => "visible" },
  },
}
`;

describe('secrets', () => {
  it('are masked in diffs, show and hashes printed by get, unless --show-secrets', async () => {
    const { dir, file } = configDir(FILE);
    const env = { SCALR_CONF_BACKUP_DIR: join(dir, 'b') };
    const diff = await runCli(['set', 'connections.mysql.pass', 'new-pw', '--file', file, '--dry-run'], { env });
    expect(diff.code).toBe(EXIT.OK);
    expect(diff.stdout).toContain('"pass" => "********"');
    expect(diff.stdout).not.toMatch(/db-pw|new-pw|r00t-pw|aws-secret/);

    const show = await runCli(['show', '--all', '--file', file], { env });
    expect(show.stdout).toContain('mysql[:root_password] = "********"');
    expect(show.stdout).toContain('connections.mysql.pass = "********"');
    expect(show.stdout).toContain('aws.secret_key = "********"');
    expect(show.stdout).toContain('aws.bypass = "visible"');
    expect(show.stdout).not.toMatch(/db-pw|r00t-pw|aws-secret/);

    const hash = await runCli(['get', 'connections.mysql', '--file', file], { env });
    expect(JSON.parse(hash.stdout)).toEqual({ pass: '********', user: 'scalr' });

    // Asked for by name, the secret itself is printed.
    expect((await runCli(['get', 'connections.mysql.pass', '--file', file], { env })).stdout).toBe('db-pw\n');

    const shown = await runCli(['show', '--all', '--show-secrets', '--file', file], { env });
    expect(shown.stdout).toContain('connections.mysql.pass = "db-pw"');
    const shownDiff = await runCli(['set', 'connections.mysql.pass', 'new-pw', '--file', file, '--dry-run', '--show-secrets'], { env });
    expect(shownDiff.stdout).toContain('+    "connections" => { "mysql" => { "pass" => "new-pw", "user" => "scalr" } },');
    expect(readFileSync(file, 'utf8')).toBe(FILE);
  });

  it('masks text with no parse by key name in every Ruby spelling', () => {
    expect(maskSecrets(`"password" => "a", :api_key => 'b', token: "c", "secret": 'd', x[:root_password] = "e"`)).toBe(
      `"password" => "********", :api_key => '********', token: "********", "secret": '********', x[:root_password] = "********"`,
    );
    expect(maskSecrets(`"passport" => "a", bypass: "b", "user" => "c"`)).toBe(`"passport" => "a", bypass: "b", "user" => "c"`);
  });
});
