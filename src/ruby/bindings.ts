import type { SyntaxNode } from '../../grammars/ruby';
import { isGroup } from '../values/groups';
import { evaluateLiteral, type Bound, type Scope } from './literal';

/**
 * Top-level constants and local variables, followed through a file in the order Ruby runs it.
 * scalr-server-ctl instance_evals both files in one module: a constant of scalr-server.rb is seen
 * in scalr-server-local.rb, a local variable is not (each evaluated string has its own). A name
 * holds a value only from its plain `NAME = expression` on; any other assignment to it makes it
 * unknown from there, and anything that could change a value in place (a method call, `<<`, an
 * index assignment outside a setting, a class or method definition) makes every name unknown.
 */
export class Bindings implements Scope {
  private constructor(
    private readonly names: ReadonlyMap<string, Bound>,
    private readonly shared: Shared,
  ) {}

  /** No names yet; `root` is the whole program (both files together, when there are two). */
  static start(root: SyntaxNode): Bindings {
    return new Bindings(new Map(), { root });
  }

  get size(): number {
    return this.names.size;
  }

  lookup(name: string): Bound | undefined {
    const bound = this.names.get(name);
    if (!bound) return undefined;
    const changer = this.changer();
    if (changer) return { definition: bound.definition, unreadable: `which ${snippet(changer)} may change in place` };
    return bound;
  }

  /**
   * Something changes a value in place that may be a name's (`app[:a]["x"] = 1` below a string a
   * name put there): from now on no name of this file is read, at any point of it. The model is
   * built before any value is read, so no value read through a name survives this.
   */
  changedInPlace(node: SyntaxNode): void {
    if (!this.changer()) this.shared.changer = node;
  }

  /** After `left = right`, a top-level assignment. */
  assign(left: SyntaxNode, statement: SyntaxNode, right: SyntaxNode): Bindings {
    const v = evaluateLiteral(right, this);
    const bound: Bound = v.ok
      ? v.value.kind === 'hash'
        ? { definition: statement, unreadable: 'which holds a hash, not followed through names' }
        : { definition: statement, value: v.value }
      : { definition: statement, unreadable: `set from ${v.reason}` };
    return this.with(left.text, bound);
  }

  /** After a statement that assigns bound names in a way not followed: `||=`, `a, b = ...`, inside an `if`. */
  reassigned(statement: SyntaxNode, top: boolean): Bindings {
    if (this.names.size === 0) return this;
    // An assignment to a name holds its text: most statements hold none of them and need no walk.
    const text = statement.text;
    if (![...this.names.keys()].some((name) => text.includes(name))) return this;
    let out: Bindings = this;
    for (const name of assignedNames(statement, top)) {
      if (!this.names.has(name.text)) continue;
      out = out.with(name.text, { unreadable: `which ${snippet(statement)} may change` });
    }
    return out;
  }

  /** What the next file sees: constants carry over, local variables do not. */
  forNextFile(): Bindings {
    const kept = [...this.names].filter(([name]) => isConstantName(name));
    return kept.length === this.names.size ? this : new Bindings(new Map(kept), this.shared);
  }

  private with(name: string, bound: Bound): Bindings {
    const names = new Map(this.names);
    names.set(name, bound);
    return new Bindings(names, this.shared);
  }

  /** Looked for only once a name is read: most files have none. */
  private changer(): SyntaxNode | undefined {
    if (this.shared.changer === undefined) this.shared.changer = inPlaceChange(this.shared.root) ?? null;
    return this.shared.changer ?? undefined;
  }
}

/** What every scope of one parse shares: the program, and what may change values in place. */
interface Shared {
  root: SyntaxNode;
  /** Undefined until looked for; null when there is none. */
  changer?: SyntaxNode | null;
}

/** A statement as a reader finds it: its first line, cut short. Lines would be those of both files joined. */
function snippet(node: SyntaxNode): string {
  const line = node.text.split('\n')[0].trim();
  return `\`${line.length > 40 ? line.slice(0, 40) + '…' : line}\``;
}

/** Ruby reads a name that starts with a capital as a constant. */
function isConstantName(name: string): boolean {
  return /^[A-Z]/.test(name);
}

/**
 * Names assigned inside a statement other than by its own plain `name = ...` (which `top` says
 * the caller follows): nested assignments, `||=`, `+=`, multiple assignment, `for` variables.
 */
function assignedNames(statement: SyntaxNode, top: boolean): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const node of [statement, ...statement.descendantsOfType(['assignment', 'operator_assignment', 'for'])]) {
    if (node.id === statement.id && top) continue;
    if (node.type !== 'assignment' && node.type !== 'operator_assignment' && node.type !== 'for') continue;
    const left = node.childForFieldName(node.type === 'for' ? 'pattern' : 'left');
    if (!left) continue;
    if (left.type === 'identifier' || left.type === 'constant') out.push(left);
    else out.push(...left.descendantsOfType(['identifier', 'constant']).filter((n) => n.parent?.type !== 'element_reference' && n.parent?.type !== 'call'));
  }
  return out;
}

/** Methods that return a new object or nothing, and leave their receiver as it is. */
const READ_ONLY_METHODS = new Set(['freeze', 'dup', 'to_s', 'to_i', 'to_sym', 'strip', 'downcase', 'upcase', 'join', 'split', 'nil?', 'empty?', 'include?', 'length', 'size']);

/** The first place that could change a string or array in place, or redefine what `+` and `==` do. */
function inPlaceChange(root: SyntaxNode): SyntaxNode | undefined {
  const kinds = ['call', 'binary', 'assignment', 'operator_assignment', 'class', 'module', 'singleton_class', 'method', 'singleton_method', 'alias', 'undef'];
  const nodes = root.descendantsOfType(kinds);
  // `prxy[:x] = 1` on a name never assigned calls a method strict mode does not know: it fails, it changes nothing.
  const locals = new Set<string>();
  for (const node of nodes) {
    if (node.type !== 'assignment' && node.type !== 'operator_assignment') continue;
    const left = node.childForFieldName('left');
    if (left?.type === 'identifier') locals.add(left.text);
    else if (left?.type === 'left_assignment_list') for (const n of left.descendantsOfType('identifier')) locals.add(n.text);
  }
  for (const node of nodes) {
    switch (node.type) {
      case 'call': {
        const receiver = node.childForFieldName('receiver');
        const method = node.childForFieldName('method')?.text ?? '';
        const block = node.childForFieldName('block');
        if (receiver ? !READ_ONLY_METHODS.has(method) || block : !(method === 'enable_all' && node.parent?.type === 'program')) return node;
        break;
      }
      case 'binary':
        if (node.childForFieldName('operator')?.text === '<<') return node;
        break;
      case 'assignment':
      case 'operator_assignment': {
        const left = node.childForFieldName('left');
        if (left?.type === 'call') return node;
        if (left?.type !== 'element_reference') break;
        let base = left;
        while (base.type === 'element_reference') base = base.childForFieldName('object') ?? base;
        // Writes below a setting are judged by the model, which knows what the setting holds.
        if (base.type === 'identifier' && (isGroup(base.text) || !locals.has(base.text))) break;
        return node;
      }
      default:
        return node;
    }
  }
  return undefined;
}
