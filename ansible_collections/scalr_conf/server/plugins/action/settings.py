# -*- coding: utf-8 -*-
# compute=host: the settings module runs scalr-conf on the host. compute=controller: the edit is
# planned here with the controller's scalr-conf in filter mode (--file -) and installed on the
# host by the settings_file module, which needs Python only. scalr-conf proves an edit against
# every file reconfigure reads, so the plan runs on copies of the host's files, never the
# controller's own /etc/scalr-server.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import json
import os
import shutil
import subprocess
import tempfile

from ansible.module_utils.common.process import get_bin_path
from ansible.plugins.action import ActionBase

from ansible_collections.scalr_conf.server.plugins.module_utils.scalr_conf import (
    ARGUMENT_SPEC, DEFAULT_FILE, edit_args, parse_error, warnings,
)
from ansible_collections.scalr_conf.server.plugins.module_utils.host_copies import LOCAL, MAIN, copy_host_files, on_host

MODULE = 'scalr_conf.server.settings'
HOST_SIDE = 'scalr_conf.server.settings_file'


class ScalrConfFailed(Exception):
    def __init__(self, code, exit_code, message):
        Exception.__init__(self, message)
        self.code = code
        self.exit_code = exit_code


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        if self._task.args.get('compute', 'host') != 'controller':
            result.update(self._execute_module(module_name=MODULE, module_args=self._task.args, task_vars=task_vars))
            return result
        _, p = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            result.update(self._controller(p, task_vars))
        except ScalrConfFailed as e:
            result.update(failed=True, msg='scalr-conf %s (exit %d): %s' % (e.code, e.exit_code, e), code=e.code, exit_code=e.exit_code, changed=False)
        return result

    def _host(self, task_vars, **args):
        # The host side must not see check mode for its reads; it never changes anything in check mode anyway.
        return self._execute_module(module_name=HOST_SIDE, module_args=args, task_vars=task_vars)

    def _read(self, path, task_vars):
        r = self._host(task_vars, path=path, state='read')
        if r.get('failed'):
            raise ScalrConfFailed(r.get('code', 'REFUSED'), r.get('exit_code', 3), r.get('msg', 'cannot read %s' % path))
        return r

    def _controller(self, p, task_vars):
        main = p['file'] or DEFAULT_FILE
        target = os.path.join(os.path.dirname(main), LOCAL) if p['local'] else main
        empty = dict(changed=False, file=target, summary=[], reconfigured=False, pending_reconfigure=False)
        if edit_args(p, check=True, filter_mode=True) is None:
            return empty
        current = self._read(target, task_vars)
        if not current['exists'] and not p['local']:
            raise ScalrConfFailed('REFUSED', 3, '%s: no such file' % target)
        before = base64.b64decode(current.get('content', ''))
        work = tempfile.mkdtemp(prefix='scalr-conf-plan-')
        try:
            env = dict(os.environ)
            copies, layers = self._copy_host_layers(main, target, current, work, task_vars)
            # Filter mode finds the main file, and the local and secrets files beside it, through $SCALR_CONF_FILE.
            env['SCALR_CONF_FILE'] = os.path.join(work, MAIN)
            planned, warned = self._plan(p, before, env, copies, check=True)
            ret = dict(empty, summary=planned.get('summary', []), changed=bool(planned.get('changed')))
            for w in warned:
                self._display.warning(w)
            if not ret['changed']:
                return ret
            ret['pending_reconfigure'] = True
            if self._task.diff:
                diff = planned.get('diff', '').split('\n', 2)
                text = '--- a%s\n+++ b%s\n%s' % (target, target, diff[2]) if len(diff) == 3 else planned.get('diff', '')
                ret['diff'] = dict(before_header=target, after_header=target, prepared=text)
            if self._task.check_mode:
                return ret
            after, _ = self._plan(p, before, env, copies, check=False)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        args = dict(path=target, state='replace', content=base64.b64encode(after).decode('ascii'),
                    expected_sha256=current['sha256'], layers=layers, summary='; '.join(ret['summary']),
                    reconfigure=p['reconfigure'], rollback_on_failure=p['rollback_on_failure'])
        if p['local']:
            args['like'] = main
        for k in ('backup_dir', 'ctl'):
            if p[k]:
                args[k] = p[k]
        done = self._host(task_vars, **args)
        for k in ('backup', 'rolled_back'):
            if k in done:
                ret[k] = done[k]
        ret['reconfigured'] = bool(done.get('reconfigured'))
        ret['pending_reconfigure'] = not ret['reconfigured'] and not done.get('rolled_back')
        if done.get('failed'):
            # Nothing was written unless the host side says it got as far as reconfigure.
            ret['changed'] = done.get('code') == 'RECONFIGURE_FAILED'
            ret['pending_reconfigure'] = ret['changed'] and not done.get('rolled_back')
            ret.update(failed=True, code=done.get('code'), exit_code=done.get('exit_code'),
                       msg='scalr-conf %s (exit %s): %s' % (done.get('code'), done.get('exit_code'), done.get('msg')))
        return ret

    def _copy_host_layers(self, main, target, current, work, task_vars):
        """Copies of the host's files in `work` (host_copies.copy_host_files), and the SHA-256 of
        each file besides the target, which the host side checks again under the lock."""
        copies, reads = copy_host_files(main, work, lambda path: self._read(path, task_vars), known={target: current})
        return copies, dict((path, r['sha256']) for path, r in reads.items() if path != target)

    def _plan(self, p, before, env, copies, check):
        """The controller's scalr-conf in filter mode: the JSON result (check) or the new bytes."""
        argv = edit_args(p, check=check, filter_mode=True)
        if '/' not in argv[0]:
            argv[0] = get_bin_path(argv[0])
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        out, err = proc.communicate(before)
        err = err.decode('utf-8', 'replace')
        if proc.returncode != 0:
            code, message = parse_error(err, proc.returncode)
            raise ScalrConfFailed(code, proc.returncode, on_host(message, copies))
        if check:
            return json.loads(out.decode('utf-8').strip().splitlines()[-1]), [on_host(w, copies) for w in warnings(err)]
        return out, []
