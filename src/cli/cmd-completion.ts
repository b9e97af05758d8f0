import { Argument, type Command, type Option } from 'commander';
import { listSettings } from '../knowledge/schema';
import type { Deps } from '../app/deps';
import type { GlobalOptions } from '../app/options';
import type { Run } from '../app/exitCodes';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** Which positional arguments of a command are keys. */
const KEY_ARGS: Record<string, 'first' | 'all' | 'pairs'> = { get: 'first', explain: 'first', unset: 'all', set: 'pairs' };

/** What follows an option that takes a value, when it is not a fixed list of choices. */
const VALUE_HINTS: Record<string, 'file' | 'dir' | 'keys'> = {
  '--file': 'file',
  '--ctl': 'file',
  '--backup-dir': 'dir',
  '--unset': 'keys',
  '--local-a': 'file',
  '--local-b': 'file',
  '--secrets-a': 'file',
  '--secrets-b': 'file',
};

export function registerCompletion(program: Command, deps: Deps, run: Run, globals: () => GlobalOptions): void {
  program
    .command('completion')
    .description('print a completion script for bash or zsh (commands, options and known keys)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(SHELLS))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  source <(scalr-conf completion bash)',
        '  scalr-conf completion bash | sudo tee /etc/bash_completion.d/scalr-conf',
        '  scalr-conf completion zsh > "${fpath[1]}/_scalr-conf"',
        '',
      ].join('\n'),
    )
    .action((shell: Shell) => {
      // Built when asked, so it covers every command registered by then.
      const script = shell === 'bash' ? bashScript(specOf(program)) : zshScript(specOf(program));
      if (globals().json) deps.stdout.write(JSON.stringify({ shell, script }) + '\n');
      else deps.stdout.write(script);
      run.code = 0;
    });
}

interface OptSpec {
  flags: string[];
  description: string;
  /** Undefined for a flag without a value. */
  value?: { choices?: readonly string[]; hint?: 'file' | 'dir' | 'keys'; variadic: boolean };
}

interface CmdSpec {
  name: string;
  description: string;
  options: OptSpec[];
  /** Its own subcommands, e.g. `aws iam-policy`. */
  subcommands: string[];
}

interface Spec {
  commands: CmdSpec[];
  globals: OptSpec[];
  keys: string[];
}

function optSpec(o: Option): OptSpec {
  const flags = [o.short, o.long].filter((f): f is string => !!f);
  const takes = o.required || o.optional;
  const hint = o.long ? VALUE_HINTS[o.long] : undefined;
  return { flags, description: o.description, value: takes ? { choices: o.argChoices, hint, variadic: o.variadic } : undefined };
}

const HELP: OptSpec = { flags: ['-h', '--help'], description: 'display help' };

function specOf(program: Command): Spec {
  const visible = (o: Option): boolean => !o.hidden;
  const commands = program.commands.map((c) => ({
    name: c.name(),
    description: c.description().split('\n')[0],
    options: [...c.options.filter(visible).map(optSpec), HELP],
    subcommands: c.commands.map((s) => s.name()),
  }));
  if (!commands.some((c) => c.name === 'help')) commands.push({ name: 'help', description: 'display help for a command', options: [], subcommands: [] });
  // A `*` segment stands for any name; there is nothing useful to offer for it.
  const keys = listSettings()
    .map((s) => s.key)
    .filter((k) => !k.includes('*'));
  return { commands, globals: [...program.options.filter(visible).map(optSpec), HELP], keys };
}

/** Single-quoted for both shells. */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function valueOptions(spec: Spec): OptSpec[] {
  const all = [...spec.globals, ...spec.commands.flatMap((c) => c.options)].filter((o) => o.value);
  const seen = new Set<string>();
  return all.filter((o) => {
    const id = o.flags.join('|');
    return seen.has(id) ? false : (seen.add(id), true);
  });
}

/** How each shell completes an option's value, by kind. */
interface ValueCompleters {
  choices(choices: readonly string[]): string;
  file: string;
  dir: string;
  keys: string;
  none: string;
}

/**
 * What both scripts need of the options that take values: the flags that take several (after which
 * every word is a value) and one (the next word only), and for each option its completion.
 */
function valueRules(spec: Spec, complete: ValueCompleters): { variadic: string[]; fixed: string[]; cases: { flags: string[]; body: string }[] } {
  const valueOpts = valueOptions(spec);
  return {
    variadic: valueOpts.filter((o) => o.value!.variadic).flatMap((o) => o.flags),
    fixed: valueOpts.filter((o) => !o.value!.variadic).flatMap((o) => o.flags),
    cases: valueOpts.map((o) => {
      const v = o.value!;
      return { flags: o.flags, body: v.choices ? complete.choices(v.choices) : complete[v.hint ?? 'none'] };
    }),
  };
}

/** Shell code setting `want` (and `choices`) for the next positional argument of command c. */
function argRule(c: CmdSpec): string {
  if (c.subcommands.length) return `(( npos == 0 )) && { want=choices; choices=(${c.subcommands.map(sq).join(' ')}); }`;
  switch (KEY_ARGS[c.name]) {
    case 'first':
      return '(( npos == 0 )) && want=keys';
    case 'all':
      return 'want=keys';
    case 'pairs':
      return '(( npos % 2 == 0 )) && want=keys';
    default:
      return c.name === 'completion'
        ? `(( npos == 0 )) && { want=choices; choices=(${SHELLS.map(sq).join(' ')}); }`
        : c.name === 'help'
          ? '(( npos == 0 )) && want=commands'
          : c.name === 'diff'
            ? '(( npos < 2 )) && want=files'
            : ':';
  }
}

function bashScript(spec: Spec): string {
  const { variadic, fixed, cases } = valueRules(spec, {
    choices: (choices) => `_scalr_conf_add "$cur" "" ${choices.map(sq).join(' ')}`,
    file: 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))',
    dir: 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))',
    keys: '_scalr_conf_add "$cur" "$lead" "${_scalr_conf_keys[@]}"',
    none: ':',
  });
  const valueCases = cases.map((c) => `    ${c.flags.join('|')}) ${c.body}; return 0 ;;`).join('\n');
  const optCases = spec.commands.map((c) => `    ${c.name}) copts=(${c.options.flatMap((o) => o.flags).map(sq).join(' ')}) ;;`).join('\n');
  const ruleCases = spec.commands.map((c) => `    ${c.name}) ${argRule(c)} ;;`).join('\n');
  return `# bash completion for scalr-conf
#   source <(scalr-conf completion bash)
# or save it as /etc/bash_completion.d/scalr-conf

_scalr_conf_commands=(${spec.commands.map((c) => sq(c.name)).join(' ')})
_scalr_conf_globals=(${spec.globals.flatMap((o) => o.flags).map(sq).join(' ')})
_scalr_conf_keys=(
${spec.keys.map((k) => '  ' + sq(k)).join('\n')}
)

# Adds to COMPREPLY each candidate starting with $1, minus the leading $2 that bash does not replace.
_scalr_conf_add() {
  local prefix=$1 lead=$2 c
  shift 2
  for c in "$@"; do
    [[ $c == "$prefix"* ]] && COMPREPLY+=("\${c#"$lead"}")
  done
}

_scalr_conf() {
  COMPREPLY=()
  local -a words
  # Whole words, as the user typed them: bash splits "proxy[:ssl" at the colon (COMP_WORDBREAKS).
  if [[ -n \${COMP_LINE-} ]]; then
    local line=\${COMP_LINE:0:\${COMP_POINT:-\${#COMP_LINE}}}
    read -ra words <<< "$line"
    [[ -z $line || $line == *[[:space:]] ]] && words+=("")
  else
    words=("\${COMP_WORDS[@]:0:COMP_CWORD+1}")
  fi
  local cword=$(( \${#words[@]} - 1 ))
  local cur=\${words[cword]} prev=\${words[cword-1]-}
  cur=\${cur#[\\"\\']}
  # The part of cur that bash keeps: only the text after the last word break is replaced.
  local tail=\${2-\${COMP_WORDS[COMP_CWORD]-}} lead=""
  tail=\${tail#[\\"\\']}
  [[ $cur == *"$tail" ]] && lead=\${cur%"$tail"}

  case $prev in
${valueCases}
  esac

  local i w cmd="" npos=0 invar=0 dashdash=0
  for (( i = 1; i < cword; i++ )); do
    w=\${words[i]}
    if (( !dashdash )); then
      case $w in
        --) dashdash=1; continue ;;
        ${variadic.length ? variadic.join('|') : '__none__'}) invar=1; continue ;;
        ${fixed.length ? fixed.join('|') : '__none__'}) (( i++ )); invar=0; continue ;;
        -*) invar=0; continue ;;
      esac
      (( invar )) && continue
    fi
    if [[ -z $cmd ]]; then cmd=$w; else (( npos++ )); fi
  done

  if [[ $cur == -* ]] && (( !dashdash )); then
    local -a copts=()
    case $cmd in
${optCases}
    esac
    _scalr_conf_add "$cur" "" "\${_scalr_conf_globals[@]}" "\${copts[@]}"
    return 0
  fi
  if [[ -z $cmd ]]; then
    _scalr_conf_add "$cur" "" "\${_scalr_conf_commands[@]}"
    return 0
  fi
  local want="" choices=()
  case $cmd in
${ruleCases}
  esac
  (( invar )) && want=keys
  case $want in
    keys) _scalr_conf_add "$cur" "$lead" "\${_scalr_conf_keys[@]}" ;;
    choices) _scalr_conf_add "$cur" "" "\${choices[@]}" ;;
    commands) _scalr_conf_add "$cur" "" "\${_scalr_conf_commands[@]}" ;;
    files) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
  return 0
}

complete -F _scalr_conf scalr-conf
`;
}

/** zsh `_describe` entries: `name:description`, colons in the name escaped. */
function described(name: string, description: string): string {
  return sq(`${name.replace(/:/g, '\\:')}:${description.replace(/\s+/g, ' ')}`);
}

function zshScript(spec: Spec): string {
  const { variadic, fixed, cases } = valueRules(spec, {
    choices: (choices) => `compadd -- ${choices.map(sq).join(' ')}`,
    file: '_files',
    dir: '_files -/',
    keys: 'compadd -a keys',
    none: 'return 1',
  });
  const valueCases = cases.map((c) => `    (${c.flags.join('|')}) ${c.body}; return ;;`).join('\n');
  const optCases = spec.commands
    .map((c) => `    (${c.name}) opts+=(${c.options.flatMap((o) => o.flags.map((f) => described(f, o.description))).join(' ')}) ;;`)
    .join('\n');
  const ruleCases = spec.commands.map((c) => `    (${c.name}) ${argRule(c)} ;;`).join('\n');
  return `#compdef scalr-conf
# zsh completion for scalr-conf
#   scalr-conf completion zsh > "\${fpath[1]}/_scalr-conf"   (then start a new shell)
# or, with compinit loaded: source <(scalr-conf completion zsh)

_scalr_conf() {
  local -a commands keys opts
  commands=(
${spec.commands.map((c) => '    ' + described(c.name, c.description)).join('\n')}
  )
  keys=(
${spec.keys.map((k) => '    ' + sq(k)).join('\n')}
  )
  opts=(
${spec.globals.flatMap((o) => o.flags.map((f) => '    ' + described(f, o.description))).join('\n')}
  )

  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]}
  case $prev in
${valueCases}
  esac

  local i w cmd= npos=0 invar=0 dashdash=0
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    if (( ! dashdash )); then
      case $w in
        (--) dashdash=1; continue ;;
        (${variadic.length ? variadic.join('|') : '__none__'}) invar=1; continue ;;
        (${fixed.length ? fixed.join('|') : '__none__'}) (( i++ )); invar=0; continue ;;
        (-*) invar=0; continue ;;
      esac
      (( invar )) && continue
    fi
    if [[ -z $cmd ]]; then cmd=$w; else (( npos++ )); fi
  done

  if [[ $cur == -* ]] && (( ! dashdash )); then
    case $cmd in
${optCases}
    esac
    _describe -t options 'option' opts
    return
  fi
  if [[ -z $cmd ]]; then
    _describe -t commands 'scalr-conf command' commands
    return
  fi
  local want=
  local -a choices
  case $cmd in
${ruleCases}
  esac
  (( invar )) && want=keys
  case $want in
    (keys) compadd -a keys ;;
    (choices) compadd -a choices ;;
    (commands) _describe -t commands 'scalr-conf command' commands ;;
    (files) _files ;;
    (*) return 1 ;;
  esac
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _scalr_conf "$@"
else
  compdef _scalr_conf scalr-conf
fi
`;
}
