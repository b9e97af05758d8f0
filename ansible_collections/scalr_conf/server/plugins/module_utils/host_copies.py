# -*- coding: utf-8 -*-
# compute=controller: the controller's scalr-conf runs on copies of a host's files. It reads every
# file reconfigure reads, not only the one named, so the copies are all of them, under the names
# scalr-conf looks for beside the main file; never the controller's own /etc/scalr-server.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import os

# What scalr-conf reads beside the main file (src/app/options.ts localFileFor, configFiles.ts secretsFileFor).
MAIN = 'scalr-server.rb'
LOCAL = 'scalr-server-local.rb'
SECRETS = 'scalr-server-secrets.json'


def copy_host_files(main, work, read, known=None):
    """Copies of the host's main, local and secrets files in the private dir `work`; a file the host
    does not have is not copied, except the main file (empty when missing), which reconfigure needs
    to evaluate the local file after. `read(path)` reads a host file with the settings_file module
    (failing on one that cannot be read); `known` holds results already read, by host path.
    Returns each copy's path mapped to the host's path, and each host path's read result."""
    host_dir = os.path.dirname(main)
    copies, reads = {}, {}
    for name, host_path in ((MAIN, main), (LOCAL, os.path.join(host_dir, LOCAL)), (SECRETS, os.path.join(host_dir, SECRETS))):
        copy = os.path.join(work, name)
        copies[copy] = host_path
        r = reads[host_path] = (known or {}).get(host_path) or read(host_path)
        if not r['exists'] and name != MAIN:
            continue
        fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'wb') as f:
            f.write(base64.b64decode(r.get('content', '')))
    return copies, reads


def on_host(text, copies):
    """scalr-conf's messages name the copies it read; the user knows the host's files."""
    for copy in sorted(copies, key=len, reverse=True):
        text = text.replace(copy, copies[copy])
    return text
