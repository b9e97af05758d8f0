# -*- coding: utf-8 -*-
# compute=controller: the host's files are read with Python only and shown by the controller's
# scalr-conf, on copies of all of them (main, local, secrets), so what it shows is what the host's
# Scalr uses, as on the host.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil
import subprocess
import tempfile

from ansible.module_utils.common.process import get_bin_path
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.scalr_conf.server.plugins.module_utils.scalr_conf import (
    DEFAULT_FILE, parse_error, show_args, shown_settings,
)
from ansible_collections.scalr_conf.server.plugins.module_utils.host_copies import MAIN, copy_host_files, on_host


class HostReadFailed(Exception):
    pass


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        if args.get('compute', 'host') != 'controller':
            result.update(self._execute_module(module_name='scalr_conf.server.show', module_args=args, task_vars=task_vars))
            return result
        path = args.get('file') or DEFAULT_FILE
        work = tempfile.mkdtemp(prefix='scalr-conf-show-')
        try:
            try:
                copies, reads = copy_host_files(path, work, lambda p: self._read(p, task_vars))
            except HostReadFailed as e:
                result.update(failed=True, msg=str(e))
                return result
            if not reads[path]['exists']:
                result.update(failed=True, msg='%s: no such file' % path)
                return result
            outs = []
            for secrets in (False, True):
                argv = show_args(args.get('scalr_conf'), os.path.join(work, MAIN), secrets, boolean(args.get('main_only', True), strict=True))
                if '/' not in argv[0]:
                    argv[0] = get_bin_path(argv[0])
                proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = proc.communicate()
                if proc.returncode != 0:
                    code, message = parse_error(err.decode('utf-8', 'replace'), proc.returncode)
                    result.update(failed=True, code=code, exit_code=proc.returncode, msg='scalr-conf %s (exit %d): %s' % (code, proc.returncode, on_host(message, copies)))
                    return result
                outs.append(out.decode('utf-8'))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        values, digests, files = shown_settings(*outs)
        result.update(changed=False, settings=values, digests=digests, files=dict((k, on_host(v, copies)) for k, v in files.items()))
        return result

    def _read(self, path, task_vars):
        r = self._execute_module(module_name='scalr_conf.server.settings_file', module_args=dict(path=path), task_vars=task_vars)
        if r.get('failed'):
            raise HostReadFailed(r.get('msg') or 'cannot read %s' % path)
        return r
