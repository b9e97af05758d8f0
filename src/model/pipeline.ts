import type { RubyValue } from '../values/value';

/**
 * What scalr-server-ctl reconfigure does to a value after evaluating the .rb files, in its order:
 * scalr-server-secrets.json is assigned over them, string2boolean rewrites strings in every hash
 * (not inside arrays), a nil leaves the cookbook's default in place, and config.yml is dumped from
 * app[:configuration] as YAML, where a Symbol becomes the string ":name".
 */

/** One step of reconfigure that changed a value, for get/show/explain to say so. */
export type Step =
  | { kind: 'secrets' }
  | { kind: 'string2boolean'; from: string }
  | { kind: 'default' }
  | { kind: 'symbol'; name: string };

/** string2boolean's table, exactly: other spellings ("True", "YES") stay strings. */
const TRUE = new Set(['yes', '1', 'true', 'on']);
const FALSE = new Set(['no', '0', 'false', 'off']);
const NIL = new Set(['null', 'nil', '~']);

/** What string2boolean makes of a string; undefined when it stays a string. */
export function string2boolean(bin: string): RubyValue | undefined {
  if (TRUE.has(bin)) return { kind: 'boolean', value: true };
  if (FALSE.has(bin)) return { kind: 'boolean', value: false };
  if (NIL.has(bin)) return { kind: 'nil' };
  return undefined;
}

/**
 * Node attributes the cookbook copies into the config.yml it generates (config_helper.rb's
 * dump_scalr_configuration and the database helpers), before app[:configuration] is merged over it.
 * A string there that is not UTF-8 stops reconfigure at the YAML dump.
 */
const CONFIG_YML_ATTRIBUTES = [
  ['mysql', 'scalr_user'],
  ['mysql', 'scalr_password'],
  ['mysql', 'scalr_dbname'],
  ['mysql', 'analytics_dbname'],
  ['app', 'mysql_scalr_host'],
  ['app', 'mysql_scalr_port'],
  ['app', 'mysql_analytics_host'],
  ['app', 'mysql_analytics_port'],
  ['app', 'email_from_address'],
  ['app', 'email_from_name'],
  ['app', 'instances_connection_policy'],
  ['app', 'ip_ranges'],
  ['app', 'id'],
  ['routing', 'endpoint_scheme'],
  ['routing', 'endpoint_host'],
  ['routing', 'graphics_path'],
  ['service', 'plotter_bind_scheme'],
  ['service', 'plotter_bind_host'],
  ['service', 'plotter_bind_port'],
  // 7.x adds the cost-analytics service gateway (scalr.csg in config.yml).
  ['csg', 'enable'],
  ['csg', 'bind_host'],
  ['csg', 'bind_port'],
];

/** Whether a value at this path ends up in config.yml: app[:configuration], or an attribute copied into it. */
export function reachesConfigYml(path: readonly string[]): boolean {
  return inConfiguration(path) || CONFIG_YML_ATTRIBUTES.some(([g, k]) => path[0] === g && path[1] === k);
}

/** Whether a path lies in app[:configuration], which becomes config.yml. */
export function inConfiguration(path: readonly string[]): boolean {
  return path[0] === 'app' && path[1] === 'configuration';
}

export interface Used {
  value: RubyValue;
  steps: Step[];
}

/**
 * The value Scalr uses for a leaf the files (or the secrets JSON) hold. `inArray`: string2boolean
 * does not look inside arrays. `fallback` is the cookbook's default for the key, which a nil keeps.
 */
export function usedLeaf(path: readonly string[], literal: RubyValue, fallback?: RubyValue): Used {
  const steps: Step[] = [];
  let value = literal;
  if (value.kind === 'string') {
    const b = string2boolean(value.bin);
    if (b) {
      steps.push({ kind: 'string2boolean', from: value.bin });
      value = b;
    }
  }
  if (value.kind === 'nil' && fallback && fallback.kind !== 'nil') {
    steps.push({ kind: 'default' });
    value = fallback;
  }
  if (inConfiguration(path)) value = yamlForm(value, steps);
  return { value, steps };
}

/** config.yml's view: Symbols as ":name" strings, also inside arrays. */
function yamlForm(v: RubyValue, steps: Step[]): RubyValue {
  if (v.kind === 'symbol') {
    steps.push({ kind: 'symbol', name: v.name });
    return { kind: 'string', bin: ':' + v.name };
  }
  if (v.kind === 'array') return { kind: 'array', items: v.items.map((x) => yamlForm(x, steps)) };
  return v;
}

/** A whole value (a hash included) as Scalr uses it, for get. */
export function usedValue(path: readonly string[], literal: RubyValue, defaultAt: (path: string[]) => RubyValue | undefined): Used {
  if (literal.kind !== 'hash') return usedLeaf(path, literal, defaultAt([...path]));
  const steps: Step[] = [];
  const entries: [string, RubyValue][] = literal.entries.map(([k, v]) => {
    const inner = usedValue([...path, k], v, defaultAt);
    steps.push(...inner.steps);
    return [k, inner.value];
  });
  return { value: { kind: 'hash', entries }, steps };
}
