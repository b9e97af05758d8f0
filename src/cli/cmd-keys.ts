import type { Command } from 'commander';
import { fail } from '../values/errors';
import { jsonRubyText } from '../knowledge/knowledge';
import { canonicalKey, didYouMean, listSettings, suggestKeys, suggestPresentKeys, type Setting } from '../knowledge/schema';
import type { Deps } from '../app/deps';
import type { GlobalOptions } from '../app/options';
import type { Run } from '../app/exitCodes';

export function registerKeys(program: Command, deps: Deps, _run: Run, globals: () => GlobalOptions): void {
  program
    .command('keys')
    .description('list the settings scalr-conf knows, with type, default and meaning')
    .argument('[prefix]', 'only keys under this one, e.g. aws, connections.ldap or proxy')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  scalr-conf keys',
        '  scalr-conf keys aws',
        '  scalr-conf keys proxy',
        "  scalr-conf keys connections.ldap --json | jq -r '.[].key'",
        '',
      ].join('\n'),
    )
    .action((prefix: string | undefined) => {
      const opts = globals();
      const settings = matching(prefix);
      if (opts.json) {
        deps.stdout.write(
          JSON.stringify(
            settings.map((s) => ({
              key: s.key,
              type: s.type,
              description: s.description,
              default: s.default ?? null,
              values: s.values ?? null,
              secret: !!s.secret,
              feeds: s.feeds ?? null,
            })),
          ) + '\n',
        );
        return;
      }
      const width = Math.min(48, Math.max(...settings.map((s) => s.key.length)));
      const typeWidth = Math.max(...settings.map((s) => s.type.length));
      for (const s of settings) {
        const dflt = s.default === undefined || s.default === null ? '-' : jsonRubyText(s.default);
        deps.stdout.write(`${s.key.padEnd(width)}  ${s.type.padEnd(typeWidth)}  default ${dflt}  ${s.description}${s.secret ? ' (secret)' : ''}\n`);
        for (const [value, meaning] of Object.entries(s.values ?? {})) deps.stdout.write(`${' '.repeat(width + 2)}  ${value}: ${meaning}\n`);
      }
    });
}

/** Keys under a prefix, segment-wise (aws matches aws.x and not awsx), else by leading text. */
function matching(prefix: string | undefined): Setting[] {
  const all = listSettings();
  if (prefix === undefined || prefix.trim() === '') return all;
  let p = prefix.trim().replace(/^scalr\./, '');
  if (p.includes('[')) p = canonicalKey(p);
  const bySegment = all.filter((s) => s.key === p || s.key.startsWith(p + '.') || s.key.startsWith(p + '['));
  if (bySegment.length) return bySegment;
  const byText = all.filter((s) => s.key.startsWith(p));
  if (byText.length) return byText;
  // What was meant may be a setting or a part of the way to some (connections.ldap).
  const near = [...new Set([...suggestKeys(p), ...suggestPresentKeys(p, prefixes(all))])];
  return fail('usage', `no known keys under ${prefix}${near.length ? `; ${didYouMean(near)}` : ''}`);
}

/** The dotted keys that lead to settings: `connections` and `connections.ldap` for `connections.ldap.host`. */
function prefixes(settings: Setting[]): string[] {
  const out = new Set<string>();
  for (const s of settings) {
    if (s.key.includes('[')) continue;
    const parts = s.key.split('.');
    for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join('.'));
  }
  return [...out];
}
