/**
 * Extended attributes of the config file, carried over to the file that replaces it. The
 * replacement is a new inode (temp file + rename), so anything not copied is lost: the SELinux
 * label (security.selinux; /etc/scalr-server is labelled on RHEL), POSIX ACLs (stored as the
 * system.posix_acl_access and system.posix_acl_default attributes) and user.* attributes.
 *
 * Node has no xattr API, so attr's getfattr/setfattr do it: `getfattr -d -m -` dumps every
 * attribute of every namespace (ACLs and security labels included) and `setfattr --restore` puts
 * a dump back in one run. The copy is read back and compared, so a file system or policy that
 * silently drops an attribute fails the write instead of losing it.
 *
 * Without attr installed nothing can list attributes. The write then fails closed when ls(1)
 * shows that the file has an ACL ('+') or a security label ('.'); a file that only has user.*
 * attributes cannot be told apart from one without any, and is written (those are lost): install
 * attr to keep them.
 */
import fs from 'node:fs';
import { execaSync } from 'execa';
import { ScalrConfError } from '../values/errors';

/** Fixed locations only: we run as root, so a PATH lookup could run someone else's program. */
const GETFATTR = ['/usr/bin/getfattr', '/bin/getfattr'];
const SETFATTR = ['/usr/bin/setfattr', '/bin/setfattr'];
const LS = ['/usr/bin/ls', '/bin/ls'];

function firstExecutable(paths: string[]): string | undefined {
  for (const p of paths) {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** The file's attributes as `name=0xHEX` lines (getfattr's own escaping of names), sorted. */
export type XattrDump = string[];

function failed(realPath: string, detail: string): ScalrConfError {
  return new ScalrConfError('write-failed', `cannot write ${realPath}: ${detail}; nothing written`);
}

function run(file: string, args: string[], input?: string) {
  return execaSync(file, args, { reject: false, input, stdin: input === undefined ? 'ignore' : 'pipe', encoding: 'utf8', env: { LC_ALL: 'C' }, extendEnv: false });
}

function dump(getfattr: string, p: string): XattrDump | string {
  const r = run(getfattr, ['-d', '-m', '-', '--absolute-names', '-e', 'hex', '--', p]);
  const err = String(r.stderr ?? '').trim();
  // A file system without extended attributes has none to keep.
  if (r.exitCode !== 0 && !/not supported/i.test(err)) return err.split('\n')[0] || `getfattr exited ${r.exitCode}`;
  return String(r.stdout ?? '')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .sort();
}

/** What ls(1) tells without attr: whether the file has an ACL or a security label. */
function lsFlags(p: string): string | undefined {
  const ls = firstExecutable(LS);
  if (!ls) return undefined;
  const r = run(ls, ['-ld', '--', p]);
  if (r.exitCode !== 0) return undefined;
  const mode = String(r.stdout).split(' ')[0] ?? '';
  const flag = mode.slice(10, 11);
  if (flag === '+') return 'a POSIX ACL';
  if (flag === '.') return 'a security label (SELinux)';
  return undefined;
}

/**
 * Reads the attributes to carry over; refuses (write-failed) when they exist but cannot be read or
 * copied. Called before the temp file is created.
 */
export function readXattrs(realPath: string): XattrDump {
  const getfattr = firstExecutable(GETFATTR);
  if (!getfattr || !firstExecutable(SETFATTR)) {
    const has = lsFlags(realPath);
    if (has) {
      throw failed(realPath, `it has ${has}, and getfattr/setfattr (package attr) are not installed to keep it in the new file; install attr`);
    }
    return [];
  }
  const found = dump(getfattr, realPath);
  if (typeof found === 'string') throw failed(realPath, `cannot read its extended attributes (${found})`);
  return found;
}

/** Escapes a path for a getfattr dump's `# file:` line, as getfattr itself does. */
function dumpPath(p: string): string {
  return Array.from(Buffer.from(p, 'utf8'))
    .map((b) => (b <= 0x20 || b >= 0x7f || b === 0x5c || b === 0x3d ? `\\${b.toString(8).padStart(3, '0')}` : String.fromCharCode(b)))
    .join('');
}

/** Puts `attrs` on the file at `p` (the temp file) and checks they are all there. */
export function applyXattrs(realPath: string, p: string, attrs: XattrDump): void {
  if (attrs.length === 0) return;
  const setfattr = firstExecutable(SETFATTR);
  const getfattr = firstExecutable(GETFATTR);
  if (!setfattr || !getfattr) throw failed(realPath, 'getfattr/setfattr (package attr) disappeared during the write');
  const r = run(setfattr, ['--restore=-'], `# file: ${dumpPath(p)}\n${attrs.join('\n')}\n\n`);
  if (r.exitCode !== 0) {
    throw failed(realPath, `cannot copy its extended attributes to the new file (${String(r.stderr).trim().split('\n')[0]})`);
  }
  const now = dump(getfattr, p);
  const missing = typeof now === 'string' ? attrs : attrs.filter((a) => !now.includes(a));
  if (missing.length > 0) {
    const names = missing.map((a) => a.split('=')[0]).join(', ');
    throw failed(realPath, `the new file did not keep its extended attributes (${names})`);
  }
}
