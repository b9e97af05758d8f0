/** The top-level names scalr-server-ctl's strict Mixlib::Config accepts. */
export const GROUPS = [
  'routing', 'supervisor', 'mysql', 'memcached', 'app', 'web', 'proxy',
  'cron', 'service', 'rrd', 'manifest', 'logrotate', 'repos', 'csg',
] as const;
export type Group = (typeof GROUPS)[number];

export const SETTERS = ['enable_all'] as const;

export function isGroup(name: string): name is Group {
  return (GROUPS as readonly string[]).includes(name);
}
