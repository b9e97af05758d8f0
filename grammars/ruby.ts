import { createRequire } from 'node:module';
import Parser from 'tree-sitter';

export type Tree = Parser.Tree;
export type SyntaxNode = Parser.SyntaxNode;
export type TreeCursor = Parser.TreeCursor;
export { Parser };

let parser: Parser | undefined;

/** One parser per process: creating it loads the native grammar, the slowest part of start-up. */
export function rubyParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(rubyLanguage());
  }
  return parser;
}

const load = createRequire(import.meta.url);

interface Language {
  name: string;
  language: unknown;
}

/**
 * The Ruby grammar, without its node types. Given node types (tree-sitter-ruby's entry point
 * parses its node-types.json for them), setLanguage compiles a class per named node type with
 * eval, a sixth of a read command's start-up. Those classes only add getters for named fields,
 * which this code never uses (it asks childForFieldName); their `type` stays SyntaxNode's own.
 * Without node types every node is a plain SyntaxNode, built without compiling anything.
 */
export function rubyLanguage(): Language {
  let binding: Language;
  try {
    binding = load(`tree-sitter-ruby/prebuilds/${process.platform}-${process.arch}/tree-sitter-ruby.node`) as Language;
  } catch {
    // No prebuild for this machine: the package's own entry finds the grammar it built at install.
    binding = load('tree-sitter-ruby') as Language;
  }
  return { name: binding.name, language: binding.language };
}

const BOM = '\u00ef\u00bb\u00bf';

/**
 * Parses a byte string (one char per byte). node tree-sitter copies the input through a buffer of
 * `bufferSize` chars and refuses inputs past its 32 KiB default, so size it to the text. A UTF-8
 * byte-order mark is masked with spaces of the same length, keeping every offset valid.
 */
export function parseRuby(bin: string, previous?: Tree): Tree {
  const masked = bin.startsWith(BOM) ? '   ' + bin.slice(3) : bin;
  const tree = rubyParser().parse(masked, previous, { bufferSize: masked.length * 2 + 1024 });
  sources.set(tree, bin);
  return tree;
}

const sources = new WeakMap<Tree, string>();

/**
 * The text a tree was parsed from. Slicing it is far cheaper than asking the native node for its
 * text, which matters on files with tens of thousands of entries.
 */
export function sourceOf(node: SyntaxNode): string {
  return sources.get(node.tree)!;
}

/** The first error or missing node in document order, if any. */
export function firstSyntaxError(tree: Tree): SyntaxNode | undefined {
  if (!tree.rootNode.hasError) return undefined;
  const cursor = tree.walk();
  for (;;) {
    const node = cursor.currentNode;
    if (node.type === 'ERROR' || node.isMissing) return node;
    if (node.hasError && cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return tree.rootNode;
    }
  }
}
