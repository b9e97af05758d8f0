import path from 'node:path';
import type { Command } from 'commander';
import { fail } from '../values/errors';
import { inNamedFiles } from '../ruby/layers';
import type { RubyValue } from '../values/value';
import type { Layer } from '../ruby/writes';
import { explain, sourceLine, type Explanation, type Place } from '../knowledge/explain';
import { jsonRubyText, rubyText } from '../knowledge/knowledge';
import { didYouMean, isSecretKey } from '../knowledge/schema';
import { plainJson } from './valueText';
import { knownDefault } from '../knowledge/defaults';
import type { LayerPart } from '../knowledge/explain';
import { readConfigFiles, readSecrets, secretsFileFor } from '../app/configFiles';
import { stepNotes } from './notes';
import type { Deps } from '../app/deps';
import type { GlobalOptions } from '../app/options';
import { MASK, maskFile, maskValue } from '../app/secrets';
import type { Run } from '../app/exitCodes';

const HOW: Record<string, string> = {
  overridden: 'overridden by',
  discarded: 'discarded by',
  duplicate: 'a duplicate key, dropped for',
};

export function registerExplain(program: Command, deps: Deps, _run: Run, globals: () => GlobalOptions): void {
  program
    .command('explain')
    .description('show the value Scalr ends up with for KEY (scalr-server.rb, then scalr-server-local.rb), the line that decides it, what it shadows, and what the setting means')
    .argument('<key>', 'e.g. aws.instances_connection_policy or app[:instances_connection_policy]')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  scalr-conf explain aws.instances_connection_policy',
        "  scalr-conf explain 'app[:instances_connection_policy]'",
        '  scalr-conf explain connections.ldap --json',
        'Both files are always read; --local is not needed.',
        '',
      ].join('\n'),
    )
    .action((key: string) => {
      const opts = globals();
      const files = readConfigFiles(opts, deps.env);
      const names: Names = { main: files.mainPath, local: files.localPath, secrets: secretsFileFor(files.mainPath), default: 'default' };
      const secrets = readSecrets(files.mainPath);
      const e: Explanation = inNamedFiles(names, () => explain(files.main, files.local, key, names, { secrets, defaultAt: knownDefault }));
      if (!e.set && !e.setting && e.suggestions.length) {
        fail('usage', `unknown key ${e.key}: ${didYouMean(e.suggestions)}`);
      }
      const show = visible(e, !!opts.showSecrets, { main: files.main, local: files.local ?? '' });
      if (opts.json) deps.stdout.write(JSON.stringify(toJson(e, names, show)) + '\n');
      else deps.stdout.write(toText(e, names, show, files.local !== undefined));
    });
}

interface Visible {
  value(v: RubyValue | undefined, key?: string): string;
  json(v: RubyValue | undefined, key?: string): unknown;
  /** The source line of a place. */
  line(p: Place): string;
}

/** What may be shown: secret values masked, the lines of the files by where their parse puts secrets. */
function visible(e: Explanation, showSecrets: boolean, texts: Record<Layer, string>): Visible {
  const secret = (key: string) => !showSecrets && isSecretKey(key);
  const masked: Partial<Record<Layer, string>> = {};
  const mask = (v: RubyValue, key: string): RubyValue | undefined => (secret(key) && v.kind !== 'hash' ? undefined : showSecrets ? v : maskValue(v));
  return {
    value: (v, key = e.key) => {
      if (!v) return 'nil';
      const m = mask(v, key);
      return m ? rubyText(m) : MASK;
    },
    json: (v, key = e.key) => {
      if (!v) return null;
      const m = mask(v, key);
      return m ? plainJson(m) : '********';
    },
    line: (p) => {
      if (showSecrets) return p.text;
      masked[p.layer] ??= maskFile(texts[p.layer]);
      return sourceLine(masked[p.layer]!, p.line);
    },
  };
}

/** How each layer is named in the output: the files' paths, and the cookbook's default. */
type Names = Record<Layer | 'secrets' | 'default', string>;

function placeText(p: Place, names: Names): string {
  return `${names[p.layer]}:${p.line}`;
}

function partWhere(p: LayerPart, names: Names): string {
  return p.line === undefined ? names[p.source] : `${names[p.source]}:${p.line}`;
}

const OUTCOME: Record<LayerPart['outcome'], string> = {
  used: 'used',
  replaced: 'replaced by a later layer',
  overridden: 'overridden',
  discarded: 'discarded',
  duplicate: 'a duplicate key, dropped',
};

function toText(e: Explanation, names: Names, show: Visible, hasLocal: boolean): string {
  const out: string[] = [];
  const files = hasLocal ? `${path.basename(names.main)} or ${path.basename(names.local)}` : `${path.basename(names.main)} (there is no ${path.basename(names.local)})`;
  if (e.unknown) out.push(`${e.key} = ? (cannot be told from the file: ${e.unknown})`);
  else if (e.set) out.push(`${e.key} = ${show.value(e.value)}`);
  else out.push(`${e.key} is not set in ${files}`);
  if (e.decidedBy && !e.unknown) out.push(`  set at ${placeText(e.decidedBy, names)}: ${show.line(e.decidedBy)}`);
  if (e.shadows.length) {
    out.push('  it shadows:');
    for (const s of e.shadows) {
      const what = s.key === e.key ? '' : `${s.key} `;
      const value = s.value ? show.value(s.value, s.key) : show.line(s);
      out.push(`    ${placeText(s, names)}: ${what}${value}, ${HOW[s.how]} ${placeText(s.by, names)}${s.how === 'discarded' ? ` (${show.line(s.by)})` : ''}`);
    }
  }
  // What reconfigure makes of the files' value: the secrets JSON, string2boolean, a nil's default.
  const u = e.used;
  if (u && u.value && (u.steps.length > 0 || u.source === 'default')) {
    out.push(u.source === 'default' ? `  Scalr uses the default: ${show.value(u.value)}` : `  after reconfigure: ${show.value(u.value)}`);
    for (const n of stepNotes(e.key, u.steps, u.source === 'secrets' ? names.secrets : names[e.decidedBy?.layer ?? 'main'])) out.push(`  note: ${n}`);
  }
  if (e.layers.length > 1 || e.layers.some((p) => p.source === 'secrets' || p.source === 'default')) {
    out.push('  layers, in the order reconfigure applies them:');
    const rows = e.layers.map((p) => [partWhere(p, names), p.value ? show.value(p.value) : '?', OUTCOME[p.outcome]]);
    const width = (i: number) => Math.max(...rows.map((r) => r[i].length));
    for (const [where, value, outcome] of rows) out.push(`    ${where.padEnd(width(0))}  ${value.padEnd(width(1))}  ${outcome}`);
  }
  if (e.effective && (!e.set || e.effective.value !== e.value)) {
    out.push(`  Scalr uses: ${show.value(e.effective.value)}${e.effective.scope ? ` for ${e.effective.scope}` : ''} (${e.effective.source})`);
  }
  for (const n of e.notes) out.push(`  note: ${n}`);
  out.push('');
  const s = e.setting;
  if (!s) {
    out.push(e.suggestions.length ? `scalr-conf does not know ${e.key}; close known keys: ${e.suggestions.join(', ')}` : `scalr-conf does not know ${e.key}`);
  } else {
    out.push(s.description);
    out.push(`  type: ${s.type}${s.secret ? ' (secret)' : ''}`);
    if (s.values) {
      out.push('  values:');
      const width = Math.max(...Object.keys(s.values).map((v) => v.length));
      for (const [v, meaning] of Object.entries(s.values)) out.push(`    ${v.padEnd(width)}  ${meaning}`);
    }
    out.push(`  default: ${s.default === undefined || s.default === null ? 'none' : jsonRubyText(s.default)}`);
    if (s.feeds) out.push(`  feeds: ${s.feeds} in config.yml`);
  }
  return out.join('\n') + '\n';
}

function toJson(e: Explanation, names: Names, show: Visible): unknown {
  const place = (p: Place) => ({ file: names[p.layer], line: p.line, text: show.line(p) });
  return {
    key: e.key,
    set: e.set,
    value: e.set && !e.unknown ? show.json(e.value) : null,
    unknown: e.unknown ?? null,
    decidedBy: e.decidedBy ? place(e.decidedBy) : null,
    shadows: e.shadows.map((s) => ({ ...place(s), key: s.key, how: s.how, value: s.value ? show.json(s.value, s.key) : null, by: place(s.by) })),
    effective: e.effective ? { value: show.json(e.effective.value), source: e.effective.source, scope: e.effective.scope ?? null } : null,
    used: e.used ? { value: e.used.value ? show.json(e.used.value) : null, unreadable: e.used.unreadable ?? null, source: names[e.used.source], steps: e.used.steps.map((s) => s.kind) } : null,
    layers: e.layers.map((p) => ({ file: names[p.source], line: p.line ?? null, value: p.value ? show.json(p.value) : null, outcome: p.outcome })),
    notes: e.notes,
    setting: e.setting
      ? { key: e.setting.key, type: e.setting.type, description: e.setting.description, values: e.setting.values ?? null, default: e.setting.default ?? null, feeds: e.setting.feeds ?? null }
      : null,
    suggestions: e.suggestions,
  };
}
