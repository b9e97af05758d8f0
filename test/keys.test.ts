import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { iamPolicy, listSettings } from '../src/knowledge/schema';
import { runCli } from './support/cli';

describe('keys', () => {
  it('lists every known key with type, default and description', async () => {
    const r = await runCli(['keys']);
    expect(r.code).toBe(EXIT.OK);
    for (const s of listSettings()) expect(r.stdout).toContain(s.key);
    expect(r.stdout).toMatch(/^aws\.instances_connection_policy +enum +default - +Connection policy for AWS/m);
    expect(r.stdout).toMatch(/^ +local: connect only to the private IP/m);
    expect(r.stdout).toMatch(/^auth_mode +enum +default "scalr" +How users sign in/m);
  });

  it('a prefix keeps the keys below it, by whole segments', async () => {
    const r = await runCli(['keys', 'connections.ldap', '--json']);
    expect(r.code).toBe(EXIT.OK);
    const keys = (JSON.parse(r.stdout) as { key: string }[]).map((k) => k.key);
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.every((k) => k.startsWith('connections.ldap.'))).toBe(true);
    const proxy = JSON.parse((await runCli(['keys', 'proxy', '--json'])).stdout) as { key: string; type: string; default: unknown }[];
    expect(proxy.find((k) => k.key === 'proxy[:ssl_enable]')).toMatchObject({ type: 'boolean', default: false });
  });

  it('--json gives the schema entries', async () => {
    const r = await runCli(['keys', 'aws.instances_connection_policy', '--json']);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        key: 'aws.instances_connection_policy',
        type: 'enum',
        description: expect.any(String),
        default: null,
        values: { public: expect.any(String), local: expect.any(String), auto: expect.any(String) },
        secret: false,
        feeds: null,
      },
    ]);
  });

  it('an unknown prefix is a usage error with did-you-mean', async () => {
    const r = await runCli(['keys', 'conections.ldap.host']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('did you mean connections.ldap.host');
  });
});

describe('aws iam-policy', () => {
  it('prints the policy document as JSON, ready for aws iam put-user-policy', async () => {
    const r = await runCli(['aws', 'iam-policy']);
    expect(r.code).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toEqual(iamPolicy());
    expect(JSON.parse(r.stdout).Version).toBe('2012-10-17');
  });
});

describe('help', () => {
  for (const command of [['explain'], ['doctor'], ['merge'], ['keys'], ['aws'], ['aws', 'iam-policy'], ['set'], ['get'], ['show'], ['unset']]) {
    it(`${command.join(' ')} --help has examples`, async () => {
      const r = await runCli([...command, '--help']);
      expect(r.code).toBe(EXIT.OK);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain(`scalr-conf ${command.join(' ')}`);
    });
  }
});
