/** Where scalr-conf looks for scalr-server-ctl, in order; the omnibus path is a stand-in here. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CTL, findCtl } from '../src/io/ctl';

function ctlIn(dir: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const ctl = join(dir, 'scalr-server-ctl');
  writeFileSync(ctl, '#!/bin/sh\nexit 0\n');
  chmodSync(ctl, mode);
  return ctl;
}

describe('findCtl', () => {
  const root = mkdtempSync(join(tmpdir(), 'scalr-conf-ctl-'));
  const omnibus = ctlIn(join(root, 'opt/scalr-server/bin'));
  const onPath = ctlIn(join(root, 'usr/bin'));
  const explicit = ctlIn(join(root, 'custom'));
  const env = { PATH: join(root, 'usr/bin') };

  it('is the omnibus install by default', () => {
    expect(DEFAULT_CTL).toBe('/opt/scalr-server/bin/scalr-server-ctl');
  });

  it('takes the omnibus path before PATH', () => {
    expect(findCtl(undefined, env, omnibus)).toBe(omnibus);
  });

  it('takes --ctl, then $SCALR_SERVER_CTL, before the omnibus path', () => {
    expect(findCtl(explicit, { ...env, SCALR_SERVER_CTL: onPath }, omnibus)).toBe(explicit);
    expect(findCtl(undefined, { ...env, SCALR_SERVER_CTL: explicit }, omnibus)).toBe(explicit);
  });

  it('goes on to PATH when the omnibus path is missing or not executable', () => {
    expect(findCtl(undefined, env, join(root, 'nowhere/scalr-server-ctl'))).toBe(onPath);
    const plain = ctlIn(join(root, 'noexec'), 0o644);
    expect(findCtl(undefined, env, plain)).toBe(onPath);
  });

  it('says where it looked when there is none', () => {
    const missing = join(root, 'nowhere/scalr-server-ctl');
    expect(() => findCtl(undefined, { PATH: join(root, 'empty') }, missing)).toThrow(`scalr-server-ctl not found (looked at ${missing} and PATH)`);
  });
});
