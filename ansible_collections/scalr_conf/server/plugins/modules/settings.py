#!/usr/bin/python
# -*- coding: utf-8 -*-
# Runs scalr-conf on the host and reports its JSON result the Ansible way.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: settings
short_description: Set and unset Scalr settings in scalr-server.rb with scalr-conf
description:
  - Merges settings into C(app[:configuration]) (and attribute groups such as C(proxy[:ssl_enable]))
    of C(/etc/scalr-server/scalr-server.rb) or, with C(local), C(scalr-server-local.rb), the way
    C(scalr-server-ctl reconfigure) reads them, keeping every other byte of the file.
  - All settings and unsets of one task are one change, one backup and at most one
    C(scalr-server-ctl reconfigure). When every setting already has its value nothing is written
    and reconfigure does not run, so a second run reports C(changed=false).
  - Supports check mode (nothing is written, the result says what would change) and diff mode
    (the unified diff of the file, passwords and keys masked).
  - With the default C(compute=host), scalr-conf (Node.js) must be installed on the host. With
    C(compute=controller) the edit is planned on the controller with its own scalr-conf and the host
    needs only Python; see C(compute).
version_added: "0.1.0"
author:
  - scalr-conf contributors
options:
  settings:
    description:
      - Settings to set, a mapping of keys to values. Keys are written as for C(scalr-conf set), e.g.
        C(aws.instances_connection_policy), C(proxy[:ssl_redirect]), C(mysql[:bind_port]).
      - Values keep their YAML types (they are passed as JSON, C(--type json)), so C(15) is an integer,
        C(false) a boolean, C([ec2, gce]) an array, a mapping a Ruby hash, C("15") a string.
      - Values are not hidden from Ansible's output; put passwords and keys in C(secrets).
    type: dict
    default: {}
  secrets:
    description:
      - Like C(settings), for passwords and keys. These values are marked C(no_log), so Ansible
        replaces them in every output with a mask. scalr-conf itself masks known secret keys in its diffs.
    type: dict
    default: {}
  unset:
    description:
      - Keys to remove (with the hashes they leave empty), in the same change as C(settings).
    type: list
    elements: str
    default: []
  file:
    description:
      - The main configuration file.
      - Default is scalr-conf's default, C($SCALR_CONF_FILE) or C(/etc/scalr-server/scalr-server.rb).
    type: path
  local:
    description:
      - Edit C(scalr-server-local.rb) beside C(file) instead, with the main file in view. Per-node
        settings belong there; Scalr requires C(scalr-server.rb) to be identical on every node.
      - A missing C(scalr-server-local.rb) is created with the main file's mode and owner.
    type: bool
    default: false
  reconfigure:
    description:
      - Run C(scalr-server-ctl reconfigure) after writing. With C(false) the file is only edited and
        the result says C(pending_reconfigure).
    type: bool
    default: true
  force:
    description:
      - Accept a key close to a known one (normally refused with "did you mean ...?") or a value
        outside a known setting's allowed values.
    type: bool
    default: false
  allow_overridden:
    description:
      - Write a main-file value even where the host's C(scalr-server-local.rb) overrides that key
        (the host keeps its own value). Without it such a write is refused, naming the local line.
        Narrower than C(force), which also lets a hash replace a scalar.
    type: bool
    default: false
  rollback_on_failure:
    description:
      - Put the previous file back (and reconfigure again) if reconfigure fails.
    type: bool
    default: false
  backup_dir:
    description:
      - Where previous versions are kept on the host. Default C($SCALR_CONF_BACKUP_DIR) or
        C(/var/lib/scalr-conf/backups).
    type: path
  ctl:
    description:
      - The C(scalr-server-ctl) to run. Default C($SCALR_SERVER_CTL), else
        C(/opt/scalr-server/bin/scalr-server-ctl), else C(PATH).
    type: path
  scalr_conf:
    description:
      - The scalr-conf executable. With C(compute=host) it runs on the host; with
        C(compute=controller) on the controller.
    type: path
    default: scalr-conf
  compute:
    description:
      - Where the edit is planned.
      - C(host) runs scalr-conf on the host, which then locks the file, keeps the backup, checks
        the new text with C(ruby -c) and reconfigures.
      - C(controller) reads the host's file (and its C(scalr-server-local.rb) and
        C(scalr-server-secrets.json), which the edit is proved against as on the host), plans the
        edit on the controller with the controller's scalr-conf (filter mode, C(--file -)), then on the host with Python only replaces the file
        if it is unchanged since it was read (compare-and-swap under the same lock scalr-conf
        uses), keeps a backup in scalr-conf's format, checks the new text with Scalr's embedded
        Ruby (C(/opt/scalr-server/embedded/bin/ruby -c)) where present, and reconfigures.
        For hosts where Node.js cannot run (RHEL/CentOS 7).
    type: str
    choices: [host, controller]
    default: host
notes:
  - Check mode and diff mode are supported.
  - With C(compute=host) values are passed to scalr-conf in its argument list on the host.
seealso:
  - name: scalr-conf README
    description: What scalr-conf does to the file and why.
    link: https://github.com/scalr-conf/scalr-conf
'''

EXAMPLES = r'''
- name: Let Scalr reach instances on their private addresses
  scalr_conf.server.settings:
    settings:
      aws.instances_connection_policy: local
      system.instances_connection_timeout: 15
      proxy[:ssl_redirect]: false
      allowed_clouds: [ec2, gce]
    unset:
      - vmware.instances_connection_policy

- name: A database password, kept out of the logs
  scalr_conf.server.settings:
    secrets:
      connections.mysql.pass: "{{ vault_scalr_mysql_pass }}"

- name: A per-node setting in scalr-server-local.rb, reconfigured later in the right order
  scalr_conf.server.settings:
    local: true
    reconfigure: false
    settings:
      app[:ip_range]: 10.0.1.0/24
  register: scalr_local

- name: A host without Node.js; planned on the controller
  scalr_conf.server.settings:
    compute: controller
    scalr_conf: /usr/local/bin/scalr-conf
    settings:
      aws.instances_connection_policy: local
'''

RETURN = r'''
changed:
  description: Whether the file was (in check mode, would be) changed.
  returned: always
  type: bool
file:
  description: The file edited.
  returned: always
  type: str
  sample: /etc/scalr-server/scalr-server.rb
summary:
  description: What was done to each key, or why nothing was.
  returned: always
  type: list
  elements: str
  sample: ["set aws.instances_connection_policy", "system.instances_connection_timeout: already has that value"]
reconfigured:
  description: Whether C(scalr-server-ctl reconfigure) ran and succeeded.
  returned: always
  type: bool
pending_reconfigure:
  description: The file differs from what Scalr last reconfigured with in this run's doing
    (C(reconfigure=false), check mode, or a failed reconfigure); run C(scalr-server-ctl reconfigure).
  returned: always
  type: bool
backup:
  description: The ID of the previous version kept on the host (C(scalr-conf history), C(scalr-conf restore ID)).
  returned: when the file was written
  type: str
  sample: 20261203T060652.247Z-3df9
rolled_back:
  description: The previous file was put back because reconfigure failed (C(rollback_on_failure)).
  returned: when it happened
  type: bool
code:
  description: scalr-conf's error code name, e.g. C(RECONFIGURE_FAILED), C(REFUSED), C(USAGE), C(CHANGED_ON_DISK).
  returned: failure
  type: str
exit_code:
  description: scalr-conf's exit status.
  returned: failure
  type: int
diff:
  description: The unified diff of the file (secrets masked), in diff mode.
  returned: changed and diff mode
  type: dict
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.scalr_conf.server.plugins.module_utils.scalr_conf import (
    ARGUMENT_SPEC, DEFAULT_FILE, edit_args, parse_error, pending, warnings,
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    p = module.params
    main_file = p['file'] or DEFAULT_FILE
    target = os.path.join(os.path.dirname(main_file), 'scalr-server-local.rb') if p['local'] else main_file
    argv = edit_args(p, check=module.check_mode)
    if argv is None:
        module.exit_json(changed=False, summary=[], reconfigured=False, pending_reconfigure=False, file=target)
    argv[0] = module.get_bin_path(argv[0], required=True) if '/' not in argv[0] else argv[0]
    rc, out, err = module.run_command(argv)
    for w in warnings(err):
        module.warn(w)
    result = {}
    if out.strip():
        try:
            result = json.loads(out.strip().splitlines()[-1])
        except ValueError:
            module.fail_json(msg='scalr-conf printed no JSON result: %s' % out[:500], rc=rc, stderr=err)
    ret = dict(
        changed=bool(result.get('changed')),
        file=result.get('file', target),
        summary=result.get('summary', []),
        reconfigured=bool(result.get('reconfigured')),
        pending_reconfigure=pending(result, module.check_mode),
    )
    if 'backup' in result:
        ret['backup'] = result['backup']
    if result.get('rolledBack'):
        ret['rolled_back'] = True
    if module._diff and ret['changed']:
        ret['diff'] = dict(before_header=ret['file'], after_header=ret['file'], prepared=result.get('diff', ''))
    if rc != 0:
        code, message = parse_error(err, rc)
        module.fail_json(msg='scalr-conf %s (exit %d): %s' % (code, rc, message), code=code, exit_code=rc, rc=rc, **ret)
    module.exit_json(**ret)


if __name__ == '__main__':
    main()
