/**
 * The checks of `scalr-conf doctor`: mistakes that make scalr-server-ctl fail, or make it quietly
 * ignore or misread a setting. Pure: file texts in, findings out; the caller runs `ruby -c`.
 */
import { firstSyntaxError, parseRuby, type SyntaxNode } from '../../grammars/ruby';
import { ScalrConfError } from '../values/errors';
import { GROUPS } from '../values/groups';
import { layerDocuments } from '../ruby/layers';
import { evaluateLiteral } from '../ruby/literal';
import { maskQuoted } from '../ruby/secretRanges';
import { findPlaceholders, keyOfPath, line, pathOf, simulate, type Fate, type Layer, type Other, type Write } from '../ruby/writes';
import { utf8Text } from '../values/value';
import { editDistance, isSecretKey, lookupSetting, suggestKeys } from './schema';
import { rubyText, valueCheck } from './knowledge';
import { newerSyntaxUses, rubyAccepts } from './rubySyntax';
import { loadProblems, placeholderMessage } from './loadProblems';
import { acceptsName, describeTarget, knownNames, PROFILES, profileRange, resolveTarget, type ScalrTarget } from './versions';

export { placeholderMessage };

export type Severity = 'error' | 'warning';

export type FindingCode =
  | 'syntax'
  | 'placeholder'
  | 'curly-quote'
  | 'discarded'
  | 'duplicate-key'
  | 'unknown-key'
  | 'unknown-group'
  | 'value'
  | 'no-parent'
  | 'overridden'
  | 'conditional'
  | 'untraceable'
  | 'ruby-version';

export interface Finding {
  layer: Layer;
  line: number;
  severity: Severity;
  code: FindingCode;
  message: string;
  /** 1-based, where a check knows it. */
  column?: number;
  /** doctor --fix repairs it without being told more. */
  fixable?: boolean;
}

/** What `ruby -c` (scalr-server-ctl config-test) said about a file; line when it gave one. */
export interface SyntaxReport {
  line?: number;
  message: string;
}

export interface DoctorInput {
  main: string;
  local?: string;
  /** `ruby -c` results: a report, null when Ruby accepts the file, undefined when Ruby is not at hand. */
  rubySyntax?: { main?: SyntaxReport | null; local?: SyntaxReport | null };
  /** Print values of secret keys in messages (they are masked otherwise). */
  showSecrets?: boolean;
  /** The Scalr the files are for (versions.ts); unknown when absent. */
  target?: ScalrTarget;
}

const FILE_NAME: Record<Layer, string> = { main: 'scalr-server.rb', local: 'scalr-server-local.rb' };

export function diagnose(input: DoctorInput): Finding[] {
  const findings: Finding[] = [];
  const add = (layer: Layer, at: number, severity: Severity, code: FindingCode, message: string): void => {
    findings.push({ layer, line: at, severity, code, message });
  };

  const target = input.target ?? resolveTarget({});
  const readable: Partial<Record<Layer, string>> = {};
  for (const layer of ['main', 'local'] as const) {
    const text = input[layer];
    if (text === undefined) continue;
    const tree = parseRuby(text);
    checkRubyVersion(layer, tree.rootNode, target, input.rubySyntax?.[layer]?.line, add);
    const placeholders = findPlaceholders(tree.rootNode);
    const ruby = input.rubySyntax?.[layer];
    const treeError = firstSyntaxError(tree);
    // null: Ruby ran and accepts the file; undefined: no Ruby, so the parser's verdict stands in.
    const syntax: SyntaxReport | undefined =
      ruby === null ? undefined : (ruby ?? (treeError ? { line: treeError.startPosition.row + 1, message: parserMessage(text, !input.showSecrets) } : undefined));
    for (const p of placeholders) {
      const at = line(p.node);
      const sameLine = syntax && syntax.line === at;
      add(layer, at, 'error', 'placeholder', placeholderMessage(p) + ' (scalr-conf doctor --fix --choose VALUE writes it)' + (sameLine ? ` (ruby -c: ${syntax.message})` : ''));
    }
    const curly = loadProblems(text, tree).filter((p) => p.code === 'curly-quote');
    for (const c of curly) {
      const sameLine = syntax && syntax.line === c.line;
      add(layer, c.line, 'error', 'curly-quote', c.message + (c.fix ? ' (scalr-conf doctor --fix does)' : '') + (sameLine ? ` (ruby -c: ${syntax.message})` : ''));
    }
    if (syntax) {
      const explained = [...placeholders.map((p) => line(p.node)), ...curly.map((c) => c.line)];
      if (!(syntax.line !== undefined && explained.includes(syntax.line))) {
        add(layer, syntax.line ?? 1, 'error', 'syntax', `scalr-server-ctl config-test (ruby -c) fails: ${syntax.message}`);
      }
      continue;
    }
    if (treeError) {
      // Ruby reads it, this tool cannot: say so rather than guess.
      add(layer, treeError.startPosition.row + 1, 'warning', 'untraceable', `scalr-conf cannot read this line (Ruby can); the other checks skip ${FILE_NAME[layer]}`);
      continue;
    }
    readable[layer] = text;
  }
  if (readable.main === undefined && readable.local === undefined) return sortFindings(findings);

  // Checks below need the parsed files; a broken one is left out (its syntax error is reported).
  const layered = readable.main !== undefined ? layerDocuments(readable.main, readable.local) : layerDocuments(readable.local!);
  const relayer = (w: { layer: Layer }): Layer => (readable.main === undefined ? 'local' : w.layer);
  const writes = layered.scan.writes.map((w) => ({ ...w, layer: relayer(w) }));
  const others = layered.scan.others.map((o) => ({ ...o, layer: relayer(o) }));
  const placeholderLines = new Set(findings.filter((f) => f.code === 'placeholder').map((f) => `${f.layer}:${f.line}`));

  checkDuplicates(writes, add);
  checkValues(writes, add, !input.showSecrets);
  const fates = simulate(writes);
  checkDiscards(writes, fates, add);
  checkOverrides(fates, add, !input.showSecrets);
  if (readable.main !== undefined) checkParents(writes, others, add);
  checkOthers(others, placeholderLines, target, add);
  checkGroupsOfVersion(writes, target, add);
  checkAttributesOfVersion(writes, target, add);
  return sortFindings(dedupe(findings));
}

type Add = (layer: Layer, at: number, severity: Severity, code: FindingCode, message: string) => void;

function parserMessage(text: string, mask: boolean): string {
  try {
    layerDocuments(text);
  } catch (e) {
    if (e instanceof ScalrConfError) return (mask ? maskQuoted(e.message, e.quoted, isSecretKey) : e.message).replace(/; fix the file first$/, '');
  }
  return 'the file does not parse';
}

// ------------------------------------------------------------------------------------------------

function keyText(node: SyntaxNode): string {
  const t = node.text;
  return utf8Text(t) ?? t;
}

function checkDuplicates(writes: Write[], add: Add): void {
  const byHash = new Map<number, Write[]>();
  for (const w of writes) {
    if (w.kind !== 'pair' || !w.hash) continue;
    const list = byHash.get(w.hash.id) ?? [];
    list.push(w);
    byHash.set(w.hash.id, list);
  }
  for (const pairs of byHash.values()) {
    const byKey = new Map<string, Write[]>();
    for (const w of pairs) {
      const k = w.path[w.path.length - 1];
      byKey.set(k, [...(byKey.get(k) ?? []), w]);
    }
    for (const same of byKey.values()) {
      if (same.length < 2) continue;
      const last = same[same.length - 1];
      const spellings = new Set(same.map((w) => spelling(w.keyNode!)));
      const where =
        spellings.size > 1
          ? same.map((w) => `line ${line(w.node)} as ${keyText(w.keyNode!)}${spelling(w.keyNode!).endsWith('label') ? ':' : ' =>'}`).join(', ')
          : `lines ${same.map((w) => line(w.node)).join(', ')}`;
      const key = keyOfPath(last.path);
      const lost = same.slice(0, -1).map((w) => `line ${line(w.node)}`).join(' and ');
      add(
        last.layer,
        line(last.node),
        'error',
        'duplicate-key',
        `${key} appears ${same.length} times in one hash (${where})${spellings.size > 1 ? ', spelt differently' : ''}; ` +
          `Ruby keeps only the last, so what ${lost} set${same.length > 2 ? '' : 's'} is lost: keep one`,
      );
    }
  }
}

/** How a pair key is written, so that "aws" =>, :aws => and aws: count as different spellings. */
function spelling(keyNode: SyntaxNode): string {
  if (keyNode.type === 'hash_key_symbol' || keyNode.type === 'identifier' || keyNode.type === 'constant') return 'label';
  if (keyNode.type === 'simple_symbol' || keyNode.type === 'delimited_symbol') return 'symbol';
  return keyNode.parent?.text.slice(keyNode.endIndex - keyNode.parent.startIndex).trimStart().startsWith(':') ? 'quoted-label' : 'string';
}

/** Known settings: values that do not fit; unknown keys close to known ones. */
function checkValues(writes: Write[], add: Add, mask: boolean): void {
  for (const w of writes) {
    const key = keyOfPath(w.path);
    if (covered(w.path)) continue;
    const setting = lookupSetting(key);
    if (w.expanded) {
      if (setting && setting.type !== 'hash' && key !== 'app[:configuration]') {
        add(w.layer, line(w.node), 'error', 'value', `${key} takes ${setting.type === 'enum' ? 'one of its values' : `a ${setting.type}`}, not a hash`);
      }
      continue;
    }
    if (!setting) {
      const near = suggestKeys(key);
      if (near.length) {
        add(w.layer, line(w.node), 'error', 'unknown-key', `unknown key ${key}: did you mean ${near.slice(0, 3).join(' or ')}? Scalr ignores keys it does not know`);
      }
      continue;
    }
    const v = evaluateLiteral(w.valueNode);
    if (!v.ok) continue;
    const problem = valueCheck(key, v.value, setting, mask && isSecretKey(key));
    if (problem) add(w.layer, line(w.node), problem.severity, 'value', problem.message);
  }
}

/** Whether a key (group, then keys) lies inside a setting the schema knows: a free-form hash, or one checked as a whole. */
export function covered(path: string[]): boolean {
  for (let n = path.length - 1; n >= 2; n--) {
    const key = keyOfPath(path.slice(0, n));
    if (key !== 'app[:configuration]' && lookupSetting(key)) return true;
  }
  return false;
}

function where(w: Write, from: Layer): string {
  return w.layer === from ? `line ${line(w.node)}` : `${FILE_NAME[w.layer]}:${line(w.node)}`;
}

function checkDiscards(writes: Write[], fates: Fate[], add: Add): void {
  const byDiscarder = new Map<Write, Fate[]>();
  for (const f of fates) {
    if (f.how !== 'discarded' || !f.by || f.by.kind !== 'statement') continue;
    byDiscarder.set(f.by, [...(byDiscarder.get(f.by) ?? []), f]);
  }
  const leavesOf = new Map<SyntaxNode, Set<string>>();
  for (const w of writes) {
    if (w.expanded) continue;
    const set = leavesOf.get(w.statement) ?? new Set<string>();
    set.add(JSON.stringify(w.path));
    leavesOf.set(w.statement, set);
  }
  for (const [by, lostFates] of byDiscarder) {
    const again = leavesOf.get(by.statement) ?? new Set<string>();
    const lost = lostFates.filter((f) => !again.has(JSON.stringify(f.write.path)));
    const key = keyOfPath(by.path);
    const earlierText = linesText(lostFates.map((f) => ({ layer: f.write.layer, line: line(f.write.statement) })), by.layer);
    const acrossFiles = by.layer === 'local' && lostFates.some((f) => f.write.layer === 'main');
    const why = acrossFiles ? ' (scalr-server-local.rb is read after scalr-server.rb, and an assignment replaces, it does not merge)' : '';
    if (lost.length === 0) {
      add(by.layer, line(by.node), 'warning', 'discarded', `${key} = { ... } replaces what ${earlierText} set under ${key}${why}; everything set there is set again here, so keep one`);
      continue;
    }
    const names = lost.slice(0, 4).map((f) => `${keyOfPath(f.write.path)} (${where(f.write, by.layer)})`);
    const more = lost.length > 4 ? ` and ${lost.length - 4} more` : '';
    add(
      by.layer,
      line(by.node),
      'error',
      'discarded',
      `${key} = { ... } replaces what ${earlierText} set under ${key}${why}; ${lost.length === 1 ? 'this setting is' : `these ${lost.length} settings are`} lost: ${names.join(', ')}${more}. ` +
        `Merge them into one ${key} = { ... }, or set single keys (scalr-conf set${acrossFiles ? ' --local' : ''} KEY VALUE)`,
    );
  }
}

/** A value set twice in one file: the first has no effect. Across files that is what the local file is for. */
/** "line 2", "lines 2 and 11", "scalr-server.rb:2" as seen from a finding in `from`. */
function linesText(places: { layer: Layer; line: number }[], from: Layer): string {
  const parts: string[] = [];
  for (const layer of ['main', 'local'] as const) {
    const lines = [...new Set(places.filter((p) => p.layer === layer).map((p) => p.line))].sort((a, b) => a - b);
    if (!lines.length) continue;
    const list = lines.length === 1 ? String(lines[0]) : `${lines.slice(0, -1).join(', ')} and ${lines[lines.length - 1]}`;
    parts.push(layer === from ? `line${lines.length > 1 ? 's' : ''} ${list}` : `${FILE_NAME[layer]} line${lines.length > 1 ? 's' : ''} ${list}`);
  }
  return parts.join(' and ');
}

function checkOverrides(fates: Fate[], add: Add, mask: boolean): void {
  for (const f of fates) {
    if (f.how !== 'overridden' || !f.by || f.by.layer !== f.write.layer) continue;
    const value = evaluateLiteral(f.write.valueNode);
    const shown = !value.ok ? '' : mask && isSecretKey(keyOfPath(f.write.path)) ? ' (********)' : ` (${rubyText(value.value)})`;
    add(
      f.write.layer,
      line(f.write.node),
      'warning',
      'overridden',
      `${keyOfPath(f.write.path)} is set again at line ${line(f.by.node)}; this value${shown} has no effect`,
    );
  }
}

/** `app[:configuration]["scalr"]["x"] = 1` before app[:configuration] holds a hash: Ruby stops with NoMethodError. */
function checkParents(writes: Write[], others: Other[], add: Add): void {
  // Which keys hold a hash at each point, as a tree of keys; a group always does.
  interface Node {
    hash: boolean;
    children: Map<string, Node>;
  }
  const root: Node = { hash: true, children: new Map() };
  const find = (path: string[], create: boolean): Node | undefined => {
    let node = root;
    for (const k of path) {
      let next = node.children.get(k);
      if (!next) {
        if (!create) return undefined;
        node.children.set(k, (next = { hash: false, children: new Map() }));
      }
      node = next;
    }
    return node;
  };
  for (const g of GROUPS) find([g], true)!.hash = true;
  // A group touched by a statement that cannot be followed may well hold the hash.
  const uncertain = new Set(GROUPS.filter((g) => others.some((o) => new RegExp(`\\b${g}\\b`).test(o.statement.text))));
  for (const w of writes) {
    if (w.kind === 'setter' || uncertain.has(w.path[0] as never)) continue;
    const parent = w.path.slice(0, -1);
    if (w.kind === 'statement' && parent.length > 1 && !find(parent, false)?.hash) {
      // The outermost key that holds no hash is where Ruby stops.
      let missing = parent;
      for (let n = 2; n <= parent.length; n++) {
        if (!find(parent.slice(0, n), false)?.hash) {
          missing = parent.slice(0, n);
          break;
        }
      }
      add(
        w.layer,
        line(w.node),
        'error',
        'no-parent',
        `${keyOfPath(missing)} holds no hash when line ${line(w.node)} runs, so Ruby stops with NoMethodError (undefined method for nil) and reconfigure fails; ` +
          `set ${keyOfPath(missing)} = { ... } first, or use scalr-conf set, which adds the hashes a key needs`,
      );
    }
    const node = find(w.path, true)!;
    node.children = new Map();
    node.hash = w.valueNode.type === 'hash';
  }
}

/** Groups scalr-conf reads that the judged version's loader does not declare (an older or trimmed cookbook). */
function checkGroupsOfVersion(writes: Write[], target: ScalrTarget, add: Add): void {
  if (!target.names) return;
  const names = [...target.names];
  for (const w of writes) {
    if (w.kind === 'pair') continue;
    const name = w.path[0];
    if (acceptsName(target, name) !== false) continue;
    const kindText = w.kind === 'setter' ? 'a scalr-server.rb setting' : 'a scalr-server.rb setting group';
    add(w.layer, line(w.node), 'error', 'unknown-group', `${name} is not ${kindText} of ${describeTarget(target)}: scalr-server-ctl stops here (strict mode); the names are ${names.filter((n) => n !== 'enable_all').join(', ')}`);
  }
}

/**
 * An attribute another version's cookbook defines but the judged one does not (app[:rabbitmq_host]
 * on 7.0.0): its group takes it, and nothing reads it.
 */
function checkAttributesOfVersion(writes: Write[], target: ScalrTarget, add: Add): void {
  const profile = target.profile;
  if (!profile) return;
  for (const w of writes) {
    if (w.kind !== 'statement' || w.path.length !== 2 || !profile.names.includes(w.path[0])) continue;
    const key = keyOfPath(w.path);
    if (Object.hasOwn(profile.settings, key)) continue;
    const elsewhere = PROFILES.filter((p) => Object.hasOwn(p.settings, key)).map((p) => p.version);
    if (!elsewhere.length) continue;
    add(w.layer, line(w.node), 'warning', 'unknown-key', `${key} is not a setting of ${describeTarget(target)} (Scalr ${elsewhere.join(', ')} has it): the cookbook does not read it, so it has no effect`);
  }
}

/** Syntax the server's Ruby refuses: an error when that Ruby is known, a warning when it is not. */
function checkRubyVersion(layer: Layer, root: SyntaxNode, target: ScalrTarget, rubyLine: number | undefined, add: Add): void {
  for (const use of newerSyntaxUses(root)) {
    if (use.line === rubyLine) continue; // ruby -c already names this line
    if (target.ruby !== undefined && rubyAccepts(use.construct, target.ruby)) continue;
    const what = `${use.text} needs Ruby ${use.needs}`;
    if (target.ruby !== undefined) {
      add(layer, use.line, 'error', 'ruby-version', `${what}, and ${describeTarget(target)} runs Ruby ${target.ruby}: scalr-server-ctl config-test fails here; ${use.fix}`);
    } else {
      add(layer, use.line, 'warning', 'ruby-version', `${what}; Scalr 7.x runs Ruby 2.1.6, where scalr-server-ctl config-test fails here (judged by ${describeTarget(target)}); ${use.fix}`);
    }
  }
}

function checkOthers(others: Other[], placeholderLines: Set<string>, target: ScalrTarget, add: Add): void {
  const names = [...(target.names ?? knownNames())];
  const judged = describeTarget(target);
  const acceptedNoted = new Set<string>();
  for (const o of others) {
    const at = line(o.statement);
    const first = o.statement.text.split('\n')[0].trim();
    const shown = first.length > 60 ? first.slice(0, 57) + '...' : first;
    switch (o.kind) {
      case 'conditional':
      case 'loop': {
        const keys = assignedKeys(o.statement);
        add(
          o.layer,
          at,
          'warning',
          'conditional',
          `an assignment inside ${o.kind === 'loop' ? 'a loop' : `a conditional (${shown})`}: whether it applies depends on the machine at reconfigure time` +
            `${keys.length ? `, so the value of ${keys.join(', ')} cannot be told from the file` : ''}; scalr-conf will not edit what it touches`,
        );
        break;
      }
      case 'conditional-assignment':
        add(o.layer, at, 'warning', 'conditional', `${shown}: a conditional assignment sets the value only when none is set yet; scalr-conf will not edit what it touches`);
        break;
      case 'unknown-group':
      case 'call': {
        const name = o.name!;
        const accepted = acceptsName(target, name);
        const near = names.filter((n) => n !== name && editDistance(n, name) <= 2);
        const hint = near.length ? `did you mean ${near.join(' or ')}?` : o.kind === 'call' ? undefined : `the names are ${names.filter((n) => n !== 'enable_all').join(', ')}`;
        if (accepted === true) {
          // A name the version accepts that scalr-conf does not follow: say so once per name and file.
          if (o.kind === 'unknown-group' && !acceptedNoted.has(`${o.layer}:${name}`)) {
            acceptedNoted.add(`${o.layer}:${name}`);
            add(o.layer, at, 'warning', 'untraceable', `${name}[...] is a setting group of ${target.names ? judged : sinceText(name)}; scalr-conf does not check or edit the ${name} settings`);
          }
          break;
        }
        const kindText = o.kind === 'call' ? 'a scalr-server.rb setting' : 'a scalr-server.rb setting group';
        if (accepted === false) {
          // A call far from every name (puts "x") is plain Ruby: the loader runs it.
          if (o.kind === 'call' && !near.length) break;
          add(o.layer, at, 'error', 'unknown-group', `${name} is not ${kindText} of ${judged}: scalr-server-ctl stops here (strict mode)${hint ? `; ${hint}` : ''}`);
          break;
        }
        if (o.kind === 'call' && !near.length) break;
        add(
          o.layer,
          at,
          'warning',
          'unknown-group',
          `${name} is not ${kindText} of any version scalr-conf knows (${profileRange()}); if yours does not accept it either, scalr-server-ctl stops here (strict mode)` +
            `${hint ? `; ${hint}` : ''}. Judged by ${judged}: pass --scalr-version to judge by yours`,
        );
        break;
      }
      case 'computed-key':
        add(o.layer, at, 'warning', 'untraceable', `${shown}: the key ${o.name} is computed, so what this sets cannot be told from the file`);
        break;
      case 'other':
        if (placeholderLines.has(`${o.layer}:${at}`)) break;
        add(o.layer, at, 'warning', 'untraceable', `${shown}: scalr-conf cannot follow this statement, and will not edit the settings it touches`);
        break;
    }
  }
}

/** `Scalr 7.7.3 and later`: the oldest profile that accepts a name. */
function sinceText(name: string): string {
  const first = PROFILES.find((p) => p.names.includes(name));
  return first === PROFILES[0] ? `Scalr ${first.version} and later` : `Scalr ${first?.version ?? '?'} and later (not earlier versions)`;
}

function assignedKeys(node: SyntaxNode): string[] {
  const keys = new Set<string>();
  const visit = (n: SyntaxNode): void => {
    if ((n.type === 'assignment' || n.type === 'operator_assignment') && n.childForFieldName('left')?.type === 'element_reference') {
      const right = n.childForFieldName('right');
      const path = right ? pathOf(right) : undefined;
      if (path) keys.add(keyOfPath(path));
    }
    for (const c of n.namedChildren) visit(c);
  };
  visit(node);
  return [...keys].slice(0, 3);
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.layer}:${f.line}:${f.code}:${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function sortFindings(findings: Finding[]): Finding[] {
  const order = (l: Layer) => (l === 'main' ? 0 : 1);
  return [...findings].sort((a, b) => order(a.layer) - order(b.layer) || a.line - b.line || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}

const RUBY_KEYWORDS = new Set(['if', 'unless', 'else', 'elsif', 'end', 'case', 'when', 'while', 'until', 'for', 'do', 'begin', 'rescue', 'ensure', 'then', 'and', 'or', 'not', 'nil', 'true', 'false', 'self', 'return', 'def', 'class', 'module']);
// Syntax newer than Ruby 2.1, as text: what newerSyntaxUses finds, and some that it then rules out.
const NEWER_SYNTAX = /<<~|&\.|["']:\s/;
// A statement starting with a name, not a label (`auth_mode: ...`).
const LEADING_NAME = /^[ \t]*([A-Za-z_]\w*)(?![\w:?!])/gm;

/**
 * The doctor errors that mean reconfigure cannot load one file, looked for before every edit, so
 * only where the text shows a sign of one: the docs' mistakes (loadProblems), syntax the server's
 * Ruby refuses, and names strict mode refuses, both when the Scalr version is known.
 */
export function loadErrors(text: string, layer: Layer, target: ScalrTarget): Finding[] {
  const found: Finding[] = loadProblems(text)
    .filter((p) => p.breaksLoad)
    .map((p) => ({ layer, line: p.line, column: p.column, severity: 'error', code: p.code, message: p.message, fixable: p.fix !== undefined }));
  const add: Add = (l, at, severity, code, message) => {
    if (severity === 'error') found.push({ layer: l, line: at, severity, code, message });
  };
  if (target.ruby !== undefined && NEWER_SYNTAX.test(text)) checkRubyVersion(layer, parseRuby(text).rootNode, target, undefined, add);
  if (target.names && [...text.matchAll(LEADING_NAME)].some((m) => !RUBY_KEYWORDS.has(m[1]) && acceptsName(target, m[1]) === false)) {
    let scan;
    try {
      scan = layerDocuments(text).scan;
    } catch (e) {
      // The parser cannot read it: the planner says so next.
      if (e instanceof ScalrConfError) return sortFindings(found);
      throw e;
    }
    const writes = scan.writes.map((w) => ({ ...w, layer }));
    checkOthers(scan.others.map((o) => ({ ...o, layer })), new Set(), target, add);
    checkGroupsOfVersion(writes, target, add);
  }
  return sortFindings(dedupe(found));
}
