# -*- coding: utf-8 -*-
# What the settings module and its action plugin share: the options, and how they become a
# scalr-conf command line and back.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

ARGUMENT_SPEC = dict(
    settings=dict(type='dict', default={}),
    secrets=dict(type='dict', default={}, no_log=True),
    unset=dict(type='list', elements='str', default=[]),
    file=dict(type='path'),
    local=dict(type='bool', default=False),
    reconfigure=dict(type='bool', default=True),
    force=dict(type='bool', default=False),
    allow_overridden=dict(type='bool', default=False),
    rollback_on_failure=dict(type='bool', default=False),
    backup_dir=dict(type='path'),
    ctl=dict(type='path'),
    scalr_conf=dict(type='path', default='scalr-conf'),
    compute=dict(type='str', default='host', choices=['host', 'controller']),
)

DEFAULT_FILE = '/etc/scalr-server/scalr-server.rb'


def wanted(p):
    """The settings (secrets included) and the keys to unset."""
    sets = dict(p.get('settings') or {})
    sets.update(p.get('secrets') or {})
    return sets, list(p.get('unset') or [])


def edit_args(p, check, filter_mode=False):
    """scalr-conf's argv for the task, or None when it asks for nothing.

    filter_mode: the configuration goes on stdin (`--file -`) and the host side does the rest, so
    there is nothing to lock, back up or reconfigure. --json makes errors data in either mode; stdout
    holds the JSON result with --dry-run, else the new text.
    """
    sets, unset = wanted(p)
    if not sets and not unset:
        return None
    argv = [p.get('scalr_conf') or 'scalr-conf', 'set' if sets else 'unset', '--yes']
    if filter_mode:
        argv += ['--file', '-', '--json']
    else:
        argv += ['--json']
        if p.get('file'):
            argv += ['--file', p['file']]
        if not p.get('reconfigure', True):
            argv += ['--no-reconfigure']
        if p.get('rollback_on_failure'):
            argv += ['--rollback-on-failure']
        if p.get('backup_dir'):
            argv += ['--backup-dir', p['backup_dir']]
        if p.get('ctl'):
            argv += ['--ctl', p['ctl']]
    if p.get('local'):
        argv += ['--local']
    if p.get('force'):
        argv += ['--force']
    if p.get('allow_overridden'):
        argv += ['--allow-overridden']
    if check:
        argv += ['--dry-run']
    if sets:
        # JSON keeps YAML's types; "--" lets keys and values start with "-".
        argv += ['--type', 'json']
        if unset:
            argv += ['--unset'] + unset
        argv += ['--']
        for key, value in sets.items():
            argv += [str(key), json.dumps(value)]
    else:
        argv += ['--'] + unset
    return argv


def parse_error(stderr, rc):
    """scalr-conf's error (exit name, message) from its --json stderr; `exit` names the exit status,
    `code` the error's own kind (overridden, not-hash, ...), which the message explains."""
    for line in reversed((stderr or '').strip().splitlines()):
        try:
            err = json.loads(line).get('error')
        except (ValueError, AttributeError):
            continue
        if isinstance(err, dict):
            return err.get('exit', err.get('code', 'EXIT_%d' % rc)), err.get('message', '')
    lines = (stderr or '').strip().splitlines()
    return 'EXIT_%d' % rc, lines[-1] if lines else 'scalr-conf failed'


def warnings(stderr):
    """scalr-conf's warnings (not its progress lines), for Ansible's warnings."""
    return [l[len('scalr-conf: warning: '):] for l in (stderr or '').splitlines() if l.startswith('scalr-conf: warning: ')]


def pending(result, check):
    """The file differs from what reconfigure last applied, because of this run."""
    return bool(result.get('changed')) and not result.get('reconfigured') and not result.get('rolledBack')


def shown_settings(masked_out, secret_out):
    """From `show --all --json` without and with --show-secrets: the values with secrets masked, a
    digest of every value (secrets included) that compares hosts without printing any secret, and
    the file that decides each value."""
    import hashlib
    masked = json.loads(masked_out)
    full = json.loads(secret_out)
    values = dict((k, v.get('value', v.get('unknown') and {'unknown': v['unknown']})) for k, v in masked.items())
    digests = {}
    for k, v in full.items():
        what = {'unknown': v['unknown']} if 'unknown' in v else {'value': v.get('value')}
        digests[k] = hashlib.sha256(json.dumps(what, sort_keys=True).encode('utf-8')).hexdigest()[:16]
    files = dict((k, v.get('file')) for k, v in masked.items())
    return values, digests, files


def show_args(scalr_conf, path, secrets, main_only=True):
    """main_only: scalr-server.rb as it stands (with the secrets JSON reconfigure reads over it),
    what every node must share whatever its own local file says; else with scalr-server-local.rb too."""
    return ([scalr_conf or 'scalr-conf', 'show', '--all', '--json', '--file', path]
            + (['--main-only'] if main_only else []) + (['--show-secrets'] if secrets else []))
