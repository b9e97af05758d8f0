/**
 * A setting present only as a commented-out line of the same shape: `set` takes that line over in
 * place; prose, commented blocks and other keys' lines stay. Ruby checks each result changes
 * exactly the key named.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from '../src/ruby/document';
import { commentedPair, commentedStatement } from '../src/edit/commented';
import type { Canonical } from '../src/values/value';
import { runCli } from './support/cli';
import { at, bytes } from './support/checks';
import { modelSet, normalise } from './support/model';
import { loadEffectiveText, requireRuby } from './support/ruby';

beforeAll(() => {
  requireRuby();
});

async function set(text: string, key: string, value: string, ...more: string[]): Promise<string> {
  const r = await runCli(['--file', '-', 'set', key, value, ...more, '--no-reconfigure'], { stdin: bytes(text) });
  expect(r.stderr.split('\n').filter((l) => /error|refus/i.test(l))).toEqual([]);
  expect(r.code).toBe(0);
  return r.stdoutBin;
}

async function unset(text: string, key: string): Promise<string> {
  const r = await runCli(['--file', '-', 'unset', key, '--no-reconfigure'], { stdin: bytes(text) });
  expect(r.code).toBe(0);
  return r.stdoutBin;
}

/** Ruby reads `path` as `value` after the edit, and every other setting is as before. */
function onlyChanged(before: string, after: string, path: string[], value: Canonical): void {
  const a = loadEffectiveText(bytes(before));
  const b = loadEffectiveText(bytes(after));
  expect(at(b, path)?.value).toEqual(value);
  expect(normalise(b)).toEqual(normalise(modelSet(a, path[0], path.slice(1), value)));
}

const lines = (...l: string[]): string => l.join('\n') + '\n';

describe('a commented-out top-level setting', () => {
  it('is taken over in place, the value replaced and the key as written', async () => {
    const before = lines(
      'proxy[:ssl_redirect] = false',
      '',
      '# SSL termination',
      '#proxy[:ssl_enable] = false',
      '#   proxy["ssl_port"] = 443',
      '',
      'mysql[:bind_host] = "127.0.0.1"',
    );
    const after = await set(before, 'proxy[:ssl_enable]', 'true', '--type', 'boolean');
    expect(after).toBe(before.replace('#proxy[:ssl_enable] = false', 'proxy[:ssl_enable] = true'));
    onlyChanged(before, after, ['proxy', 'ssl_enable'], true);

    const port = await set(before, 'proxy[:ssl_port]', '8443', '--type', 'integer');
    expect(port).toBe(before.replace('#   proxy["ssl_port"] = 443', 'proxy["ssl_port"] = 8443'));
    onlyChanged(before, port, ['proxy', 'ssl_port'], 8443);
  });

  it('keeps CRLF and the comment line indentation', async () => {
    const before = 'app[:email_from_address] = "a@b.c"\r\n  #mysql[:bind_port] = 3306\r\nweb[:app_timeout] = 5\r\n';
    const after = await set(before, 'mysql[:bind_port]', '3307', '--type', 'integer');
    expect(after).toBe('app[:email_from_address] = "a@b.c"\r\n  mysql[:bind_port] = 3307\r\nweb[:app_timeout] = 5\r\n');
    onlyChanged(before, after, ['mysql', 'bind_port'], 3307);
  });

  it('of several, the last one is taken', async () => {
    const before = lines('# mysql[:bind_port] = 3306', 'mysql[:bind_host] = "x"', '# mysql[:bind_port] = 3307', '# end of file');
    const after = await set(before, 'mysql[:bind_port]', '3310', '--type', 'integer');
    expect(after).toBe(lines('# mysql[:bind_port] = 3306', 'mysql[:bind_host] = "x"', 'mysql[:bind_port] = 3310', '# end of file'));
    onlyChanged(before, after, ['mysql', 'bind_port'], 3310);
  });

  it('leaves prose, other keys and commented blocks alone', async () => {
    const before = lines(
      'proxy[:ssl_redirect] = false',
      '# set proxy[:ssl_enable] to true if the certificate is installed',
      '# proxy[:ssl_enable] = false if ENV["X"]',
      '# proxy[:ssl_enabled] = false',
      '# web[:ssl_enable] = false',
      '# proxy[:ssl_enable] = false # default',
      '# if File.exist?("/etc/ssl/cert.pem")',
      '#   proxy[:ssl_enable] = true',
      '# end',
      '# proxy[:ssl] = {',
      '#   proxy[:ssl_enable] = true',
      '# }',
    );
    const after = await set(before, 'proxy[:ssl_enable]', 'true', '--type', 'boolean');
    expect(after).toBe(lines(...before.trimEnd().split('\n').slice(0, 1), 'proxy[:ssl_enable] = true', ...before.trimEnd().split('\n').slice(1)));
    onlyChanged(before, after, ['proxy', 'ssl_enable'], true);
  });

  it('is left alone when the key is already set for real', async () => {
    const before = lines('# mysql[:bind_port] = 3306', 'mysql[:bind_port] = 3307');
    const after = await set(before, 'mysql[:bind_port]', '3308', '--type', 'integer');
    expect(after).toBe(lines('# mysql[:bind_port] = 3306', 'mysql[:bind_port] = 3308'));
    onlyChanged(before, after, ['mysql', 'bind_port'], 3308);
  });

  it('set then unset removes the line, and one blank beside it when it stood between two', async () => {
    const before = lines('web[:app_timeout] = 5', '', '#mysql[:bind_port] = 3306', '', 'web[:x] = 1');
    const after = await set(before, 'mysql[:bind_port]', '3307', '--type', 'integer');
    expect(await unset(after, 'mysql[:bind_port]')).toBe(lines('web[:app_timeout] = 5', '', 'web[:x] = 1'));
  });
});

const CONFIG = (inner: string[]): string =>
  lines('app[:configuration] = {', '  "scalr" => {', '    "aws" => {', ...inner, '    },', '  }', '}');

describe('a commented-out pair inside the effective hash', () => {
  it('is taken over with its indentation and "=>" style', async () => {
    const before = CONFIG(['      "security_group_name" => "scalr",', '      # "instances_connection_policy" => "public",', '      "ip_pool" => "10.0.0.0/8",']);
    const after = await set(before, 'aws.instances_connection_policy', 'local');
    expect(after).toBe(before.replace('# "instances_connection_policy" => "public",', '"instances_connection_policy" => "local",'));
    onlyChanged(before, after, ['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], 'local');
  });

  it('keeps the "key:" style and adds the comma a pair below needs', async () => {
    const before = CONFIG(['      security_group_name: "scalr",', '      #instances_connection_policy: :public', '      ip_pool: "10.0.0.0/8",']);
    const after = await set(before, 'aws.instances_connection_policy', 'local');
    expect(after).toBe(before.replace('#instances_connection_policy: :public', 'instances_connection_policy: "local",'));
    onlyChanged(before, after, ['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], 'local');
  });

  it('as the last pair follows the trailing comma of the pair before, and unset gives back the rest', async () => {
    const before = CONFIG(['      "ip_pool" => "10.0.0.0/8"', '      # "instances_connection_policy" => "public",']);
    const after = await set(before, 'aws.instances_connection_policy', 'local');
    expect(after).toBe(CONFIG(['      "ip_pool" => "10.0.0.0/8",', '      "instances_connection_policy" => "local"']));
    onlyChanged(before, after, ['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], 'local');
    expect(await unset(after, 'aws.instances_connection_policy')).toBe(CONFIG(['      "ip_pool" => "10.0.0.0/8"']));
  });

  it('keeps CRLF', async () => {
    const before = CONFIG(['      "ip_pool" => "x",', '      # "instances_connection_policy" => "public",']).replace(/\n/g, '\r\n');
    const after = await set(before, 'aws.instances_connection_policy', 'local');
    expect(after).toBe(before.replace('# "instances_connection_policy" => "public",', '"instances_connection_policy" => "local",'));
    onlyChanged(before, after, ['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], 'local');
  });

  it('leaves a commented block, a nested hash\'s comment and other keys alone', async () => {
    const inner = [
      '      "ip_pool" => "x",',
      '      # "instances_connection_policy" => "public" unless nat',
      '      # "connection_policy" => "public",',
      '      # "defaults" => {',
      '      #   "instances_connection_policy" => "public",',
      '      # },',
      '      "tags" => {',
      '        # "instances_connection_policy" => "public",',
      '      },',
    ];
    const before = CONFIG(inner);
    const after = await set(before, 'aws.instances_connection_policy', 'local');
    expect(after).toBe(CONFIG([...inner, '      "instances_connection_policy" => "local",']));
    onlyChanged(before, after, ['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], 'local');
  });

  it('a commented-out app[:configuration] block at the top level is never taken', async () => {
    const block = ['# app[:configuration] = {', '#   "scalr" => {', '#     "aws" => { "instances_connection_policy" => "public" },', '#   },', '# }'];
    const before = lines(...block, 'proxy[:ssl_enable] = false');
    const after = await set(before, 'aws.instances_connection_policy', 'local');
    expect(after.startsWith(lines(...block, 'proxy[:ssl_enable] = false'))).toBe(true);
    onlyChanged(before, after, ['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], 'local');
    const doc = parseDocument(before);
    expect(commentedStatement(doc, 'app', 'configuration')).toBeUndefined();
  });

  it('the finders name the line they take', () => {
    const doc = parseDocument(CONFIG(['      # "ip_pool" => "x"', '      # :ip_pool => "y",']));
    const hash = doc.tree.rootNode.descendantsOfType('hash')[2];
    const found = commentedPair(doc, hash, 'ip_pool');
    expect(found && doc.text.slice(found.comment.startIndex, found.end)).toBe('# :ip_pool => "y",');
    expect(found?.comma).toBe(true);
    expect(commentedPair(doc, hash, 'ip')).toBeUndefined();
  });
});
