# -*- coding: utf-8 -*-
# Which settings differ between hosts' scalr-server.rb, from scalr_conf.server.show's digests.

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def settings_differences(digests_by_host, ignore=()):
    """One line per setting not the same on every host (missing on some counts), naming the hosts of each value."""
    hosts = sorted(digests_by_host)
    keys = sorted(set(k for h in hosts for k in (digests_by_host[h] or {})))
    lines = []
    for key in keys:
        if key in ignore:
            continue
        groups = {}
        for h in hosts:
            groups.setdefault((digests_by_host[h] or {}).get(key), []).append(h)
        if len(groups) < 2:
            continue
        parts = []
        ordered = sorted(groups.items(), key=lambda g: (g[0] is None, g[1]))
        for n, (digest, members) in enumerate(ordered, 1):
            parts.append(('not set on ' if digest is None else 'value %d on ' % n) + ', '.join(members))
        lines.append('%s (%s)' % (key, '; '.join(parts)))
    return lines


class FilterModule(object):
    def filters(self):
        return {'settings_differences': settings_differences}
