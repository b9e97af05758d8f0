import { fail } from './errors';
import { GROUPS, isGroup, type Group } from './groups';
import { binOf } from './value';

/** Path segments are byte strings, like every string read from the file. What a command-line key names: a path inside one attribute group, or the enable_all setting. */
export type Target = { kind: 'group'; group: Group; path: string[] } | { kind: 'enable_all' };

const CONFIG = ['configuration'];

/**
 * `aws.instances_connection_policy` (or `scalr.aws....`) is a key of app[:configuration]["scalr"];
 * `proxy[:ssl_enable]`, `app[:configuration]["scalr"]` name attribute-group settings as the file
 * writes them.
 */
export function parseKey(raw: string): Target {
  if (raw === '') fail('usage', 'the key is empty');
  if (/[\x00-\x1f\x7f]/.test(raw)) fail('usage', `the key ${JSON.stringify(raw)} contains control characters`);
  if (raw === 'enable_all') return { kind: 'enable_all' };
  const bracket = raw.match(/^([A-Za-z_]\w*)\[/);
  if (bracket) return groupKey(raw, bracket[1]);
  if (/\s/.test(raw)) fail('usage', `the key "${raw}" contains white space; quote segments as group[:"a b"] or use a dotted key without spaces`);
  const segments = raw.split('.');
  if (segments.some((s) => s === '')) fail('usage', `the key "${raw}" has an empty segment`);
  const path = segments[0] === 'scalr' ? segments : ['scalr', ...segments];
  if (path.length < 2) fail('usage', `the key "${raw}" names all of scalr; name a setting inside it`);
  return { kind: 'group', group: 'app', path: [...CONFIG, ...path].map(binOf) };
}

function groupKey(raw: string, name: string): Target {
  if (!isGroup(name)) {
    fail('usage', `unknown group "${name}": scalr-server.rb has ${GROUPS.join(', ')} and enable_all`);
  }
  const path: string[] = [];
  let rest = raw.slice(name.length);
  while (rest.length) {
    const m =
      rest.match(/^\[\s*:([A-Za-z_]\w*[?!]?)\s*\]/) ??
      rest.match(/^\[\s*:?"((?:[^"\\]|\\.)*)"\s*\]/) ??
      rest.match(/^\[\s*:?'((?:[^'\\]|\\.)*)'\s*\]/);
    if (!m) fail('usage', `cannot read the key "${raw}" at "${rest}": write group[:name] or group["name"]`);
    const seg = binOf(m[1].replace(/\\(.)/g, '$1'));
    if (seg === '') fail('usage', `the key "${raw}" has an empty segment`);
    path.push(seg);
    rest = rest.slice(m[0].length);
  }
  if (path.length === 0) fail('usage', `the key "${raw}" names a whole group; name a setting inside it`);
  return { kind: 'group', group: name, path };
}

/** The key as users write it: dotted inside app[:configuration]["scalr"], brackets elsewhere. */
/** Whether a key segment can be written in a dotted key: no dot, white space or control character. */
export function isDottedSegment(segment: string): boolean {
  return /^[^.\s\x00-\x1f]+$/.test(segment);
}

export function formatKey(target: Target): string {
  if (target.kind === 'enable_all') return 'enable_all';
  const { group, path } = target;
  if (group === 'app' && path[0] === 'configuration' && path[1] === 'scalr' && path.length > 2) {
    const rest = path.slice(2);
    if (rest.every(isDottedSegment)) return rest.join('.');
  }
  return group + path.map((s) => (/^[A-Za-z_]\w*$/.test(s) ? `[:${s}]` : `[${JSON.stringify(s)}]`)).join('');
}
