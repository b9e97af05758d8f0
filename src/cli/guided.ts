import { formatKey, parseKey } from '../values/keys';
import { readSetting } from '../model/reading';
import { utf8Text } from '../values/value';
import { isMissing } from '../io/localFile';
import { jsonRubyText, rubyText } from '../knowledge/knowledge';
import { isSecretKey, lookupSetting } from '../knowledge/schema';
import { askChoice, type Choice, type Deps } from '../app/deps';
import { readView } from '../app/layered';
import { targetFile, type GlobalOptions } from '../app/options';

/**
 * `set KEY` without a value on a terminal: offers the values the setting knows, each with what it
 * means; for a secret, "-", so that it is typed without echo. Undefined when the setting has no
 * fixed set of values (the usage error then stands).
 */
export async function guidedValue(key: string, opts: GlobalOptions, deps: Deps): Promise<string | undefined> {
  const target = parseKey(key);
  const display = utf8Text(formatKey(target)) ?? formatKey(target);
  // A secret is typed without echo, as for a value given as "-" on a terminal.
  if (isSecretKey(display)) return '-';
  const setting = lookupSetting(display);
  if (!setting || opts.type) return undefined;
  let options: Choice[];
  if (setting.type === 'enum' && setting.values) options = Object.entries(setting.values).map(([value, meaning]) => ({ value, meaning }));
  else if (setting.type === 'boolean') options = [{ value: 'true', meaning: 'on' }, { value: 'false', meaning: 'off' }];
  else return undefined;

  const facts: string[] = [];
  const now = currentValue(target, opts, deps);
  if (now) facts.push(`now ${isSecretKey(display) ? '********' : now}`);
  if (setting.default !== undefined && setting.default !== null) facts.push(`default ${jsonRubyText(setting.default)}`);
  const question = `${display}: ${setting.description}${facts.length ? ` (${facts.join('; ')})` : ''}`;
  return askChoice(deps, question, options);
}

function currentValue(target: ReturnType<typeof parseKey>, opts: GlobalOptions, deps: Deps): string | undefined {
  try {
    const file = targetFile(opts, deps.env);
    if (isMissing(file)) return undefined;
    const view = readView(opts, deps.env, file);
    const read = readSetting(view.inputs, target, view.localOnly ? (u) => u.source === 'local' : undefined);
    return read?.kind === 'reading' ? rubyText(read.value) : undefined;
  } catch {
    // The question is still worth asking; the write itself reports what is wrong with the file.
    return undefined;
  }
}
