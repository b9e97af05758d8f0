import type { Target } from '../values/keys';
import type { RubyValue } from '../values/value';
import { string2boolean, usedValue, type Step } from '../model/pipeline';
import type { SecretEntry } from '../model/secrets';
import { knownDefault } from '../knowledge/defaults';

/** What Scalr gets for a key the file holds (or the secrets JSON decides), and what changed it on the way. */
export function scalrUses(target: Target, literal: RubyValue | undefined, secrets: readonly SecretEntry[]): { value: RubyValue; steps: Step[]; fromSecrets: boolean } | undefined {
  if (target.kind === 'enable_all') return literal && { value: literal, steps: [], fromSecrets: false };
  const path = [target.group, ...target.path];
  for (const entry of secrets) {
    if (entry.path[0] !== path[0] || entry.path[1] !== path[1]) continue;
    const inner = dig(entry.value, path.slice(2));
    if (!inner) continue;
    const used = usedValue(path, inner, knownDefault);
    return { value: used.value, steps: [{ kind: 'secrets' }, ...used.steps], fromSecrets: true };
  }
  if (!literal) return undefined;
  return { ...usedValue(path, literal, knownDefault), fromSecrets: false };
}

function dig(v: RubyValue, keys: string[]): RubyValue | undefined {
  let cur: RubyValue | undefined = v;
  for (const k of keys) cur = cur?.kind === 'hash' ? cur.entries.find(([e]) => e === k)?.[1] : undefined;
  return cur;
}

/** One note per kind of step: what the file holds is not what Scalr gets. */
export function stepNotes(key: string, steps: readonly Step[], file: string): string[] {
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const s of steps) {
    if (seen.has(s.kind)) continue;
    seen.add(s.kind);
    if (s.kind === 'secrets') notes.push(`${key} comes from ${file}, which reconfigure assigns over the .rb files`);
    if (s.kind === 'string2boolean') {
      const to = string2boolean(s.from);
      const shown = to?.kind === 'boolean' ? String(to.value) : 'nil';
      notes.push(`${file} holds the string ${JSON.stringify(s.from)} for ${key}; reconfigure's string2boolean turns it into ${shown}`);
    }
    if (s.kind === 'default') notes.push(`${file} sets ${key} to nil; reconfigure ignores nil, so Scalr keeps the default shown`);
    if (s.kind === 'symbol') notes.push(`${file} holds the Symbol :${s.name} for ${key}; config.yml gets the string ":${s.name}"`);
  }
  return notes;
}
