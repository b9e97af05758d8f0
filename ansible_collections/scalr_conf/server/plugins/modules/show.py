#!/usr/bin/python
# -*- coding: utf-8 -*-
# What Scalr uses from a host's scalr-server.rb, comparable across hosts.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: show
short_description: The settings Scalr uses from a host's scalr-server.rb, comparable across hosts
description:
  - Runs C(scalr-conf show --all --main-only --json) on the main file and returns every setting with its value
    (passwords and keys masked), a digest of each value (secrets included), so that hosts can be
    compared without printing a secret, and the file that decides it. Formatting, comments and
    order do not change a digest. A value C(scalr-server-secrets.json) decides is the JSON's, as
    reconfigure makes it.
  - With C(main_only=false), C(scalr-server-local.rb) takes part too, for what the host's Scalr uses.
version_added: "0.1.0"
author:
  - scalr-conf contributors
options:
  file:
    description: The main file. Default C(/etc/scalr-server/scalr-server.rb).
    type: path
  scalr_conf:
    description: The scalr-conf executable (on the host, or with C(compute=controller) on the controller).
    type: path
    default: scalr-conf
  compute:
    description:
      - C(host) runs scalr-conf on the host; C(controller) reads the file from the host (Python only
        there) and runs the controller's scalr-conf on a copy.
    type: str
    choices: [host, controller]
    default: host
  main_only:
    description:
      - C(true) shows C(scalr-server.rb) as it stands, which every node must share; C(false) what Scalr
        uses on the host, C(scalr-server-local.rb) included. With C(compute=controller) the host's
        local and secrets files are copied beside the main file either way.
    type: bool
    default: true
'''

EXAMPLES = r'''
- scalr_conf.server.show:
  register: scalr_main
'''

RETURN = r'''
settings:
  description: Every setting the file decides, flattened (C(aws.instances_connection_policy), C(proxy[:ssl_enable])), secrets masked.
  returned: always
  type: dict
digests:
  description: For every key of C(settings), a digest of its value, secrets included.
  returned: always
  type: dict
files:
  description: For every key of C(settings), the host's file that decides its value.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.scalr_conf.server.plugins.module_utils.scalr_conf import (
    DEFAULT_FILE, parse_error, show_args, shown_settings,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            file=dict(type='path'),
            scalr_conf=dict(type='path', default='scalr-conf'),
            compute=dict(type='str', default='host', choices=['host', 'controller']),
            main_only=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    outs = []
    for secrets in (False, True):
        rc, out, err = module.run_command(show_args(p['scalr_conf'], p['file'] or DEFAULT_FILE, secrets, p['main_only']))
        if rc != 0:
            code, message = parse_error(err, rc)
            module.fail_json(msg='scalr-conf %s (exit %d): %s' % (code, rc, message), code=code, exit_code=rc)
        outs.append(out)
    values, digests, files = shown_settings(*outs)
    module.exit_json(changed=False, settings=values, digests=digests, files=files)


if __name__ == '__main__':
    main()
