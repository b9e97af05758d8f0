# -*- coding: utf-8 -*-
# compute=controller: the host's file is read with Python only and shown by the controller's scalr-conf.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import os
import shutil
import subprocess
import tempfile

from ansible.module_utils.common.process import get_bin_path
from ansible.plugins.action import ActionBase

from ansible_collections.scalr_conf.server.plugins.module_utils.scalr_conf import (
    DEFAULT_FILE, parse_error, show_args, shown_settings,
)


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
        read = self._execute_module(module_name='scalr_conf.server.settings_file', module_args=dict(path=path), task_vars=task_vars)
        if read.get('failed') or not read.get('exists'):
            result.update(failed=True, msg=read.get('msg') or '%s: no such file' % path)
            return result
        work = tempfile.mkdtemp(prefix='scalr-conf-show-')
        try:
            copy = os.path.join(work, 'scalr-server.rb')
            with open(copy, 'wb') as f:
                f.write(base64.b64decode(read['content']))
            outs = []
            for secrets in (False, True):
                argv = show_args(args.get('scalr_conf'), copy, secrets)
                if '/' not in argv[0]:
                    argv[0] = get_bin_path(argv[0])
                proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = proc.communicate()
                if proc.returncode != 0:
                    code, message = parse_error(err.decode('utf-8', 'replace'), proc.returncode)
                    result.update(failed=True, code=code, exit_code=proc.returncode, msg='scalr-conf %s (exit %d): %s' % (code, proc.returncode, message.replace(copy, path)))
                    return result
                outs.append(out.decode('utf-8'))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        values, digests = shown_settings(*outs)
        result.update(changed=False, settings=values, digests=digests)
        return result
