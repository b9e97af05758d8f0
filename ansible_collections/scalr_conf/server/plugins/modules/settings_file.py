#!/usr/bin/python
# -*- coding: utf-8 -*-
# The host side of scalr_conf.server.settings with compute=controller: needs Python only, no Node.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: settings_file
short_description: Read or replace scalr-server.rb on a host with Python only (used by the settings module's controller mode)
description:
  - The host side of C(scalr_conf.server.settings) with C(compute=controller); not usually called directly.
  - C(state=read) returns the file's bytes (base64) and their SHA-256.
  - C(state=replace) takes the exclusive lock scalr-conf uses (C(flock) on
    C(<dir>/.<name>.scalr-conf.lock) of the main file, for an edit of either C(.rb) file), checks
    that the file, and every file in C(layers), still has the SHA-256 it had when read (else fails
    with C(CHANGED_ON_DISK) and writes nothing), checks the new text with Scalr's
    embedded Ruby (C(ruby -c)) where present, keeps a backup in scalr-conf's format (so
    C(scalr-conf history) and C(restore) see it), replaces the file atomically keeping its mode and
    owner, and runs C(scalr-server-ctl reconfigure) while still holding the lock.
version_added: "0.1.0"
author:
  - scalr-conf contributors
options:
  path:
    description: The file (C(scalr-server.rb) or C(scalr-server-local.rb)).
    type: path
    required: true
  state:
    description: Read the file, or replace it.
    type: str
    choices: [read, replace]
    default: read
  content:
    description: The new bytes, base64 (C(state=replace)).
    type: str
  expected_sha256:
    description: SHA-256 of the bytes the edit was planned from; C(absent) for a file that did not exist.
    type: str
  like:
    description:
      - The main file, for C(scalr-server-local.rb). A missing file is created with its mode and
        owner, and its lock is the one taken, as scalr-conf takes the main file's lock for edits of
        either file.
    type: path
  layers:
    description:
      - The other files the edit was proved against (C(scalr-server.rb) or C(scalr-server-local.rb),
        and C(scalr-server-secrets.json)), each mapped to the SHA-256 it had when read, C(absent) for
        one that did not exist. Any that differs under the lock fails with C(CHANGED_ON_DISK).
    type: dict
    default: {}
  summary:
    description: What the change does, stored with the backup.
    type: str
    default: ""
  backup_dir:
    description: Where backups live. Default C($SCALR_CONF_BACKUP_DIR) or C(/var/lib/scalr-conf/backups).
    type: path
  backups:
    description: How many previous versions to keep (0 keeps none).
    type: int
    default: 10
  ruby:
    description: The Ruby that checks the new text with C(ruby -c); skipped when it does not exist.
    type: path
    default: /opt/scalr-server/embedded/bin/ruby
  reconfigure:
    description: Run C(scalr-server-ctl reconfigure) after writing.
    type: bool
    default: true
  ctl:
    description: The C(scalr-server-ctl). Default C($SCALR_SERVER_CTL), C(/opt/scalr-server/bin/scalr-server-ctl), then C(PATH).
    type: path
  rollback_on_failure:
    description: Put the previous file back if reconfigure fails.
    type: bool
    default: false
  wait:
    description: Seconds to wait for another writer holding the lock.
    type: int
    default: 30
'''

EXAMPLES = r'''
- name: Read the file (what the settings action plugin does first)
  scalr_conf.server.settings_file:
    path: /etc/scalr-server/scalr-server.rb
  register: current
'''

RETURN = r'''
exists:
  description: Whether the file exists (C(state=read)).
  returned: state=read
  type: bool
content:
  description: The file's bytes, base64 (C(state=read)).
  returned: state=read
  type: str
sha256:
  description: SHA-256 of the file's bytes (after the change for C(state=replace)).
  returned: always
  type: str
backup:
  description: ID of the backup of the previous version.
  returned: when one was kept
  type: str
reconfigured:
  description: Whether reconfigure ran and succeeded.
  returned: state=replace
  type: bool
code:
  description: scalr-conf's name for the error (C(CHANGED_ON_DISK), C(BUSY), C(VERIFY_FAILED), C(RECONFIGURE_FAILED), C(REFUSED)).
  returned: failure
  type: str
'''

import base64
import calendar
import errno
import fcntl
import hashlib
import json
import os
import random
import re
import stat
import subprocess
import time

from ansible.module_utils.basic import AnsibleModule

DEFAULT_BACKUP_DIR = '/var/lib/scalr-conf/backups'
DEFAULT_CTL = '/opt/scalr-server/bin/scalr-server-ctl'
# scalr-conf's exit codes (src/app/exitCodes.ts), so failures read the same in both modes.
EXIT = dict(REFUSED=3, RECONFIGURE_FAILED=5, BUSY=6, VERIFY_FAILED=7, CHANGED_ON_DISK=8)


class Refused(Exception):
    def __init__(self, code, message, **extra):
        Exception.__init__(self, message)
        self.code = code
        self.extra = extra


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def read_bytes(path):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except IOError as e:
        if e.errno == errno.ENOENT:
            return None
        raise Refused('REFUSED', 'cannot read %s: %s' % (path, e.strerror))


def lock(real, wait):
    """The lock scalr-conf takes (flock(2) on the same file), so both kinds of writer take turns."""
    name = os.path.join(os.path.dirname(real), '.%s.scalr-conf.lock' % os.path.basename(real))
    fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, 'O_CLOEXEC', 0), 0o600)
    deadline = time.time() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except (IOError, OSError) as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES) or time.time() >= deadline:
                os.close(fd)
                raise Refused('BUSY', 'another scalr-conf holds the lock on %s; nothing written' % real)
            time.sleep(0.1)


def ruby_error(ruby, data):
    """ruby -c on the new text, as scalr-server-ctl config-test does; None when it passes or Ruby is absent."""
    if not ruby or not os.access(ruby, os.X_OK):
        return None
    p = subprocess.Popen([ruby, '-c'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(data)
    if p.returncode == 0:
        return None
    lines = (err or out).decode('utf-8', 'replace').strip().splitlines()
    return re.sub(r'^-:', 'line ', lines[0] if lines else 'exit %d' % p.returncode)


def backup_subdir(backup_dir, real):
    """The directory scalr-conf keeps this file's backups in (src/io/backups.ts backupSubdirName)."""
    readable = re.sub(r'^\.+', '_', re.sub(r'[^A-Za-z0-9._-]+', '_', real.lstrip('/')))[:100] or 'root'
    return os.path.join(backup_dir, '%s-%s' % (readable, sha256(real.encode('utf-8'))[:12]))


def write_new(path, data, mode):
    """Creates path with data; the name appears only when complete (a temp file hard-linked to it)."""
    tmp = os.path.join(os.path.dirname(path), '.%s.%d-%s.tmp' % (os.path.basename(path), os.getpid(), os.urandom(6).hex()))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        os.write(fd, data)
        os.fchmod(fd, mode)
        os.fsync(fd)
        os.close(fd)
        fd = None
        os.link(tmp, path)
    finally:
        if fd is not None:
            os.close(fd)
        os.unlink(tmp)


def save_backup(backup_dir, real, data, st, summary, keep):
    sub = backup_subdir(backup_dir, real)
    for d in (backup_dir, sub):
        if not os.path.isdir(d):
            os.makedirs(d, 0o700)
    os.chmod(sub, 0o700)
    names = sorted(n[:-4] for n in os.listdir(sub) if n.endswith('.bak'))
    ms = int(time.time() * 1000)
    if names:
        # Ids sort in the order backups were taken, even within one millisecond or after the clock steps back.
        last = names[-1][:19]
        last_ms = calendar.timegm(time.strptime(last[:15], '%Y%m%dT%H%M%S')) * 1000 + int(last[16:19])
        ms = max(ms, last_ms + 1)
    secs, milli = divmod(ms, 1000)
    ident = '%s.%03dZ-%04x' % (time.strftime('%Y%m%dT%H%M%S', time.gmtime(secs)), milli, random.getrandbits(16))
    iso = '%s.%03dZ' % (time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(secs)), milli)
    write_new(os.path.join(sub, ident + '.bak'), data, st.st_mode & 0o600)
    sidecar = dict(id=ident, time=iso, summary=summary, size=len(data), sha256=sha256(data), source=real,
                   mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid)
    write_new(os.path.join(sub, ident + '.json'), (json.dumps(sidecar, indent=2) + '\n').encode('utf-8'), 0o600)
    kept = sorted(n[:-4] for n in os.listdir(sub) if n.endswith('.bak'))
    for old in kept[:max(0, len(kept) - max(1, keep))]:
        for ext in ('.bak', '.json'):
            try:
                os.unlink(os.path.join(sub, old + ext))
            except OSError:
                pass
    return ident


def install(real, data, st):
    """Temp file beside the target with its mode and owner, fsynced, renamed over it; then the directory fsynced."""
    d = os.path.dirname(real)
    tmp = os.path.join(d, '.%s.%d-%s.tmp' % (os.path.basename(real), os.getpid(), os.urandom(6).hex()))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, data)
        if os.geteuid() == 0:
            os.fchown(fd, st.st_uid, st.st_gid)
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
        os.fsync(fd)
        os.close(fd)
        fd = None
        os.rename(tmp, real)
    except BaseException:
        if fd is not None:
            os.close(fd)
        os.unlink(tmp)
        raise
    dfd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def find_ctl(option):
    explicit = option or os.environ.get('SCALR_SERVER_CTL')
    if explicit:
        if os.path.isfile(explicit) and os.access(explicit, os.X_OK):
            return os.path.abspath(explicit)
        raise Refused('REFUSED', 'scalr-server-ctl not found or not executable at %s; nothing written' % explicit)
    for p in [DEFAULT_CTL] + [os.path.join(d, 'scalr-server-ctl') for d in os.environ.get('PATH', '').split(':') if d]:
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    raise Refused('REFUSED', 'scalr-server-ctl not found (looked at %s and PATH); nothing written' % DEFAULT_CTL)


def reconfigure(ctl):
    p = subprocess.Popen([ctl, 'reconfigure'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, _ = p.communicate()
    return p.returncode, out.decode('utf-8', 'replace')


def replace(p):
    path = p['path']
    real = os.path.realpath(path)
    data = base64.b64decode(p['content'] or '')
    ctl = find_ctl(p['ctl']) if p['reconfigure'] else None
    fd = lock(os.path.realpath(p['like']) if p['like'] else real, p['wait'])
    try:
        current = read_bytes(real)
        have = 'absent' if current is None else sha256(current)
        if have != p['expected_sha256']:
            raise Refused('CHANGED_ON_DISK', '%s changed on the host since it was read; nothing written, run again' % path)
        # The edit was proved against these too; a changed one could make it wrong.
        for other in sorted(p['layers']):
            data_other = read_bytes(other)
            if ('absent' if data_other is None else sha256(data_other)) != p['layers'][other]:
                raise Refused('CHANGED_ON_DISK', '%s changed on the host since the edit was planned against it; nothing written, run again' % other)
        error = ruby_error(p['ruby'], data)
        if error:
            raise Refused('VERIFY_FAILED', 'the new %s fails ruby -c (%s); nothing written' % (path, error))
        if current is None:
            if not p['like']:
                raise Refused('REFUSED', '%s does not exist' % path)
            st = os.stat(p['like'])
        else:
            st = os.stat(real)
        result = dict(changed=True, sha256=sha256(data), reconfigured=False)
        if p['backups'] > 0 and current is not None:
            backup_dir = p['backup_dir'] or os.environ.get('SCALR_CONF_BACKUP_DIR') or DEFAULT_BACKUP_DIR
            result['backup'] = save_backup(os.path.abspath(backup_dir), real, current, st, p['summary'], p['backups'])
        install(real, data, st)
        if not ctl:
            return result
        rc, out = reconfigure(ctl)
        result['reconfigure_output'] = out
        if rc == 0:
            result['reconfigured'] = True
            return result
        why = '%s was written, but scalr-server-ctl reconfigure failed (exit %d); fix the cause, then run: sudo %s reconfigure' % (path, rc, ctl)
        if p['rollback_on_failure'] and current is not None and read_bytes(real) == data:
            install(real, current, st)
            again, _ = reconfigure(ctl)
            result['rolled_back'] = True
            why = 'scalr-server-ctl reconfigure failed (exit %d); the previous %s was restored%s' % (
                rc, path, ' and reconfigured' if again == 0 else ', but reconfiguring it failed too (exit %d)' % again)
        raise Refused('RECONFIGURE_FAILED', why, **result)
    finally:
        os.close(fd)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            state=dict(type='str', default='read', choices=['read', 'replace']),
            content=dict(type='str', no_log=True),
            expected_sha256=dict(type='str'),
            like=dict(type='path'),
            layers=dict(type='dict', default={}),
            summary=dict(type='str', default=''),
            backup_dir=dict(type='path'),
            backups=dict(type='int', default=10),
            ruby=dict(type='path', default='/opt/scalr-server/embedded/bin/ruby'),
            reconfigure=dict(type='bool', default=True),
            ctl=dict(type='path'),
            rollback_on_failure=dict(type='bool', default=False),
            wait=dict(type='int', default=30),
        ),
        required_if=[('state', 'replace', ('content', 'expected_sha256'))],
        supports_check_mode=True,
    )
    p = module.params
    try:
        if p['state'] == 'read':
            data = read_bytes(p['path'])
            if data is None:
                module.exit_json(changed=False, exists=False, sha256='absent')
            module.exit_json(changed=False, exists=True, sha256=sha256(data), content=base64.b64encode(data).decode('ascii'))
        if module.check_mode:
            module.exit_json(changed=True)
        module.exit_json(**replace(p))
    except Refused as e:
        module.fail_json(msg=str(e), code=e.code, exit_code=EXIT[e.code], **e.extra)


if __name__ == '__main__':
    main()
