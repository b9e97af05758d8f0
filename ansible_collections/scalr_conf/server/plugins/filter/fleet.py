# -*- coding: utf-8 -*-
# Which settings differ between nodes, from `scalr-conf diff --json REFERENCE NODE` run for each node.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

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


class FilterModule(object):
    def filters(self):
        return {'fleet_differences': fleet_differences}
