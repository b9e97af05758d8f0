# -*- coding: utf-8 -*-
# Which settings differ between nodes, from `scalr-conf diff --json REFERENCE NODE` run for each node.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.errors import AnsibleFilterError


def _side(s):
    """One side of a difference as `scalr-conf diff` prints it (secrets come masked)."""
    if not s.get('set'):
        return '(unset, default %s)' % json.dumps(s['default']) if 'default' in s else '(unset)'
    if 'unknown' in s:
        return '(cannot tell: %s)' % s['unknown']
    return json.dumps(s.get('value'), ensure_ascii=False)


def fleet_differences(results, ignore=()):
    """One line per setting some node has otherwise than the reference node: KEY (REF → VALUE on
    NODES; ...), nodes with the same value together. `results` are the looped command's results,
    each `item` a node and `stdout` diff's JSON; ignored keys are left out."""
    by_key = {}
    for r in results:
        if r.get('skipped'):
            continue
        try:
            compared = json.loads(r['stdout'])
        except (KeyError, TypeError, ValueError):
            raise AnsibleFilterError('scalr-conf diff printed no JSON for %s' % r.get('item'))
        for d in compared['differences']:
            if d['key'] in ignore:
                continue
            groups = by_key.setdefault(d['key'], {})
            groups.setdefault('%s → %s' % (_side(d['a']), _side(d['b'])), []).append(r['item'])
    lines = []
    for key in sorted(by_key):
        groups = sorted(by_key[key].items(), key=lambda g: sorted(g[1]))
        lines.append('%s (%s)' % (key, '; '.join('%s on %s' % (change, ', '.join(sorted(nodes))) for change, nodes in groups)))
    return lines


def fleet_diff_errors(results, copies, main_by_host):
    """One line per node whose comparison failed (diff's exit 2 and up), with scalr-conf's message
    naming the nodes' files rather than the controller's copies of them (`copies`/NODE/NAME)."""
    lines = []
    for r in results:
        if r.get('skipped') or r.get('rc') in (0, 1):
            continue
        name, message = 'EXIT_%s' % r.get('rc'), ''
        for line in reversed((r.get('stderr') or '').strip().splitlines()):
            try:
                err = json.loads(line)['error']
                name, message = err.get('exit', name), err.get('message', '')
                break
            except (ValueError, KeyError, TypeError):
                message = message or line
        for host in sorted(main_by_host, key=len, reverse=True):
            node_dir = os.path.dirname(main_by_host[host])
            for copy, real in (('scalr-server.rb', main_by_host[host]), ('scalr-server-secrets.json', os.path.join(node_dir, 'scalr-server-secrets.json'))):
                message = message.replace(os.path.join(copies, host, copy), '%s:%s' % (host, real))
        lines.append('scalr-conf diff of %s failed (%s, exit %s): %s' % (r.get('item'), name, r.get('rc'), message or r.get('msg', '')))
    return lines


class FilterModule(object):
    def filters(self):
        return {'fleet_differences': fleet_differences, 'fleet_diff_errors': fleet_diff_errors}
