import { string2boolean, type Step } from '../model/pipeline';

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
