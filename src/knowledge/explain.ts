/**
 * `scalr-conf explain KEY`: the value Scalr ends up with after scalr-server.rb and then
 * scalr-server-local.rb, the line that decides it, what that line shadows, and what the schema
 * knows of the setting and of the settings that decide it with it. Pure: texts in, a report out.
 */
import { formatKey, parseKey, type Target } from '../values/keys';
import { layerDocuments, type Layered } from '../ruby/layers';
import { evaluateLiteral } from '../ruby/literal';
import { presentKeys, readValue } from '../ruby/query';
import { utf8Text, type RubyValue } from '../values/value';
import { keyOfPath, line, simulate, type Fate, type FateKind, type Layer, type Write } from '../ruby/writes';
import type { Step } from '../model/pipeline';
import type { SecretEntry } from '../model/secrets';
import { foldUses, pathId, type Source } from '../model/uses';
import { relationsOf, rubyText } from './knowledge';
import { lookupSetting, suggestAnyKeys, type Setting } from './schema';
import { pairNote, pairValues, platformPair } from './platformKeys';

export interface Place {
  layer: Layer;
  line: number;
  /** The source line, trimmed (a byte string shown as text). */
  text: string;
}

export interface Shadowed extends Place {
  key: string;
  how: Exclude<FateKind, 'live'>;
  value?: RubyValue;
  by: Place;
}

export interface Explanation {
  key: string;
  target: Target;
  set: boolean;
  value?: RubyValue;
  /** Why the value cannot be told from the files (a conditional, a method call, ...). */
  unknown?: string;
  decidedBy?: Place;
  shadows: Shadowed[];
  setting?: Setting;
  /** Known keys close to an unknown one. */
  suggestions: string[];
  /** What Scalr uses in the end, when other settings take part (fed attributes, per-cloud policies). */
  effective?: { value: RubyValue | undefined; source: string; scope?: string };
  /** After every layer and reconfigure's own steps (the fold get and set read); absent for a hash. */
  used?: Used;
  /** Each layer's part in the key's value, in the order reconfigure applies them. */
  layers: LayerPart[];
  notes: string[];
}

export interface Used {
  value?: RubyValue;
  /** Why the value cannot be told without running Ruby. */
  unreadable?: string;
  source: Source | 'default';
  steps: Step[];
}

/** What one layer holds for the key and what became of it. */
export interface LayerPart {
  source: Source | 'default';
  /** In the file `source` names. */
  line?: number;
  value?: RubyValue;
  outcome: 'used' | 'replaced' | Exclude<FateKind, 'live'>;
}

/** What reconfigure reads besides the two .rb files. */
export interface ExplainInputs {
  secrets?: readonly SecretEntry[];
  defaultAt?: (path: string[]) => RubyValue | undefined;
}

const FILE_NAME: Record<Layer, string> = { main: 'scalr-server.rb', local: 'scalr-server-local.rb' };

/** `names` are how files are named in notes (their paths, in the CLI). */
export function explain(mainText: string, localText: string | undefined, key: string, names: Record<Layer, string> = FILE_NAME, inputs: ExplainInputs = {}): Explanation {
  const target = parseKey(key);
  const display = utf8Text(formatKey(target)) ?? formatKey(target);
  const layered = layerDocuments(mainText, localText);
  const texts: Record<Layer, string> = { main: mainText, local: localText ?? '' };
  const place = (layer: Layer, at: number): Place => ({ layer, line: at, text: sourceLine(texts[layer], at) });
  const at = (combinedLine: number): Place => {
    const w = layered.where(combinedLine);
    return place(w.layer, w.line);
  };
  const here: Here = { at, name: (layer) => names[layer] };

  const found = lookup(layered, target, here);
  const path = target.kind === 'enable_all' ? ['enable_all'] : [target.group, ...target.path];
  const fates = simulate(layered.scan.writes);
  const shadows: Shadowed[] = fates
    .filter((f) => f.how !== 'live' && f.by && within(f.write.path, path))
    .map((f) => ({
      ...writePlace(f.write, place),
      key: keyOfPath(f.write.path),
      how: f.how as Exclude<FateKind, 'live'>,
      value: literal(f.write),
      by: writePlace(f.by!, place),
    }));

  const setting = lookupSetting(display);
  const result: Explanation = {
    key: setting && !setting.key.includes('*') ? setting.key : display,
    target,
    set: !!found.value || !!found.unknown,
    value: found.value,
    unknown: found.unknown,
    decidedBy: found.decidedBy,
    shadows,
    setting,
    // Known settings and keys of either file: what a key set nowhere may have been meant to be.
    suggestions: setting || found.value || found.unknown ? [] : suggestAnyKeys(display, presentKeys(layered.combined).map((k) => utf8Text(k) ?? k)),
    ...layersOf(layered, path, fates, inputs),
    // The line that decides the value names a constant or variable: the line that sets it decides too.
    notes: (found.names ?? []).map((n) => `${n.name} is set at ${here.name(n.at.layer)}:${n.at.line}: ${n.at.text}`),
  };
  relate(result, layered, here);
  return result;
}

/**
 * The key's value layer by layer, read from the same fold as get and set: the cookbook default,
 * every write of either file at exactly this key, the secrets JSON, then what Scalr gets.
 */
function layersOf(layered: Layered, path: string[], fates: Fate[], inputs: ExplainInputs): { used?: Used; layers: LayerPart[] } {
  const use = foldUses({ layered, secrets: inputs.secrets, defaultAt: inputs.defaultAt, under: [path] }).leaves.get(pathId(path));
  const fallback = path[0] === 'enable_all' ? undefined : inputs.defaultAt?.(path);
  const layers: LayerPart[] = [];
  if (fallback) layers.push({ source: 'default', value: fallback, outcome: !use || use.steps.some((s) => s.kind === 'default') ? 'used' : 'replaced' });
  for (const f of fates) {
    if (f.write.path.length !== path.length || !within(f.write.path, path)) continue;
    // Writes are scanned in their own file's tree: the line is the file's own.
    const outcome = f.how !== 'live' ? f.how : use?.source === 'secrets' ? 'replaced' : 'used';
    layers.push({ source: f.write.layer, line: line(f.write.node), value: literal(f.write), outcome });
  }
  if (use?.source === 'secrets') layers.push({ source: 'secrets', value: use.literal, outcome: 'used' });
  if (use && use.literal?.kind !== 'hash') return { used: { value: use.value, unreadable: use.unreadable, source: use.source, steps: use.steps }, layers };
  if (!use && fallback) return { used: { value: fallback, source: 'default', steps: [] }, layers };
  return { layers };
}

function within(path: string[], prefix: string[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
}

function writePlace(w: Write, place: (layer: Layer, at: number) => Place): Place {
  return place(w.layer, line(w.node));
}

function literal(w: Write): RubyValue | undefined {
  const v = evaluateLiteral(w.valueNode, w.scope);
  return v.ok ? v.value : undefined;
}

/** Line `at` (from 1) of a byte text, trimmed, as text where it is UTF-8. */
export function sourceLine(text: string, at: number): string {
  let start = 0;
  for (let i = 1; i < at; i++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return '';
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  const raw = text.slice(start, end < 0 ? text.length : end).replace(/\r$/, '').trim();
  return utf8Text(raw) ?? raw;
}

interface Lookup {
  value?: RubyValue;
  unknown?: string;
  decidedBy?: Place;
  /** The constants and variables the value is read through, and where each is set. */
  names?: { name: string; at: Place }[];
}

interface Here {
  at(combinedLine: number): Place;
  name(layer: Layer): string;
}

function lookup(layered: Layered, target: Target, here: Here): Lookup {
  const found = readValue(layered.combined, target);
  if (!found) return {};
  if ('kind' in found) {
    const at = here.at(found.line);
    return { unknown: `${here.name(at.layer)}:${at.line} has ${found.reason}`, decidedBy: at };
  }
  const names = found.names?.map((r) => ({ name: r.name, at: here.at(r.definition.startPosition.row + 1) }));
  return { value: found.value, decidedBy: here.at(found.line), ...(names ? { names } : {}) };
}

/** The value of another key in both files together, with where it is set. */
function valueOf(layered: Layered, key: string, here: Here): { value: RubyValue; at: string } | undefined {
  const found = lookup(layered, parseKey(key), here);
  if (!found.value || !found.decidedBy) return undefined;
  return { value: found.value, at: `${here.name(found.decidedBy.layer)}:${found.decidedBy.line}` };
}

function relate(r: Explanation, layered: Layered, here: Here): void {
  const rel = relationsOf(r.key);
  const own = r.value;

  if (rel.feeds) {
    const wins = valueOf(layered, rel.feeds, here);
    if (wins) {
      r.notes.push(
        `scalr-server-ctl copies ${r.key} into config.yml as scalr.${rel.feeds}, but app[:configuration] sets ${rel.feeds} = ${rubyText(wins.value)} at ${wins.at}, which wins` +
          (own ? `: ${r.key} has no effect` : ''),
      );
      r.effective = { value: wins.value, source: `set by ${rel.feeds} at ${wins.at}` };
    } else {
      r.notes.push(`scalr-server-ctl copies ${r.key} into config.yml as scalr.${rel.feeds}, unless app[:configuration] sets ${rel.feeds}, which would win`);
    }
  }

  if (rel.fedBy.length) {
    for (const attr of rel.fedBy) {
      const a = valueOf(layered, attr, here);
      if (!a) continue;
      if (own || r.unknown) r.notes.push(`${attr} = ${rubyText(a.value)} at ${a.at} is ignored for ${r.key}: app[:configuration] wins over it`);
      else {
        r.notes.push(`${r.key} is not set in app[:configuration], so Scalr gets ${rubyText(a.value)} from ${attr} at ${a.at} (scalr-server-ctl copies it into config.yml)`);
        r.effective ??= { value: a.value, source: `set by ${attr} at ${a.at}` };
      }
    }
  }

  // Scalr's docs spell some per-cloud keys by cloud name; Scalr's code reads them by platform id.
  const pair = platformPair(r.key);
  if (pair) r.notes.push(pairNote(pair, pairValues(layered, pair), (v) => `${here.name(v.layer)}:${v.line}`));

  if (rel.overrides) {
    const global = globalPolicy(layered, here);
    const cloud = rel.overrides.cloud;
    if (own) {
      r.notes.push(`for ${cloud} instances it overrides ${rel.overrides.key} (${global.value ? rubyText(global.value) : 'unknown'}, ${global.source})`);
    } else if (!r.unknown) {
      r.effective = { value: global.value, source: `the global ${rel.overrides.key}, ${global.source}`, scope: `${cloud} instances` };
    }
  }

  if (rel.overriddenBy.length) {
    for (const perCloud of rel.overriddenBy) {
      const p = valueOf(layered, perCloud, here);
      if (p) r.notes.push(`${perCloud} = ${rubyText(p.value)} at ${p.at} overrides it for ${perCloud.split('.')[0]} instances`);
    }
    if (!own && !r.unknown && !r.effective) r.effective = globalPolicy(layered, here);
  }
}

/** The global connection policy Scalr ends up with: app[:configuration], else the attribute, else the default. */
function globalPolicy(layered: Layered, here: Here): { value: RubyValue | undefined; source: string } {
  const key = 'instances_connection_policy';
  const configured = valueOf(layered, key, here);
  if (configured) return { value: configured.value, source: `set by ${key} at ${configured.at}` };
  for (const attr of relationsOf(key).fedBy) {
    const a = valueOf(layered, attr, here);
    if (a) return { value: a.value, source: `set by ${attr} at ${a.at}` };
  }
  const d = lookupSetting(key)?.default;
  return typeof d === 'string' ? { value: { kind: 'string', bin: d }, source: 'the default' } : { value: undefined, source: 'the default' };
}

export { FILE_NAME };
