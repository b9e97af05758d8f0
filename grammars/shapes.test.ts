/**
 * Pins the tree shapes scalr-conf relies on. A grammar upgrade that changes any of them must fail
 * here first, not corrupt a production file later.
 */
import { describe, expect, it } from 'vitest';
import { parseRuby, firstSyntaxError } from './ruby';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { configReferences, configReferencesByQuery, topLevelStatements, topLevelStatementsByQuery } from './queries';

const sexp = (src: string): string => parseRuby(src).rootNode.toString();

describe('tree-sitter-ruby shapes', () => {
  it('hash pairs in every key style', () => {
    expect(sexp('x = { "a" => 1, :b => 2, c: 3, "d": 4, :"e f" => 5 }')).toBe(
      '(program (assignment left: (identifier) right: (hash ' +
        '(pair key: (string (string_content)) value: (integer)) ' +
        '(pair key: (simple_symbol) value: (integer)) ' +
        '(pair key: (hash_key_symbol) value: (integer)) ' +
        '(pair key: (string (string_content)) value: (integer)) ' +
        '(pair key: (delimited_symbol (string_content)) value: (integer)))))',
    );
    // "d": and "a" => differ only in the separator token.
    const hash = parseRuby('{ "a" => 1, "d": 4 }').rootNode.namedChildren[0];
    expect(hash.namedChildren.map((p) => p.children[1].type)).toEqual(['=>', ':']);
  });

  it('configuration statements: index chains, setter calls, conditional assignment', () => {
    expect(sexp('app[:configuration]["scalr"] = {}\nenable_all false\napp[:x] ||= 1\n')).toBe(
      '(program ' +
        '(assignment left: (element_reference object: (element_reference object: (identifier) (simple_symbol)) (string (string_content))) right: (hash)) ' +
        '(call method: (identifier) arguments: (argument_list (false))) ' +
        '(operator_assignment left: (element_reference object: (identifier) (simple_symbol)) right: (integer)))',
    );
  });

  it('heredoc bodies are siblings of what starts them, in the hash or at top level', () => {
    expect(sexp('h = { a: <<~E, b: 1 }\n  x\nE\n')).toBe(
      '(program (assignment left: (identifier) right: (hash (pair key: (hash_key_symbol) value: (heredoc_beginning)) (pair key: (hash_key_symbol) value: (integer)))) (heredoc_body (heredoc_content) (heredoc_end)))',
    );
    expect(sexp('h = {\n  a: <<~E,\n    x\n  E\n  b: 1,\n}\n')).toBe(
      '(program (assignment left: (identifier) right: (hash (pair key: (hash_key_symbol) value: (heredoc_beginning)) (heredoc_body (heredoc_content) (heredoc_end)) (pair key: (hash_key_symbol) value: (integer)))))',
    );
  });

  it('literals the evaluator reads', () => {
    expect(sexp(`x = ["a\\n#{y}", 'b', %w[c d], %i[e], -1, 2.5, nil, true, :f, "g" "h", 0x1f]`)).toBe(
      '(program (assignment left: (identifier) right: (array ' +
        '(string (string_content) (escape_sequence) (interpolation (identifier))) ' +
        '(string (string_content)) ' +
        '(string_array (bare_string (string_content)) (bare_string (string_content))) ' +
        '(symbol_array (bare_symbol (string_content))) ' +
        '(unary operand: (integer)) (float) (nil) (true) (simple_symbol) ' +
        '(chained_string (string (string_content)) (string (string_content))) (integer))))',
    );
  });

  it('comments, splats and =begin blocks', () => {
    expect(sexp('=begin\nold\n=end\nh = { # c\n  **d, a: 1 # e\n}\n')).toBe(
      '(program (comment) (assignment left: (identifier) right: (hash (comment) (hash_splat_argument (identifier)) (pair key: (hash_key_symbol) value: (integer)) (comment))))',
    );
  });

  it('syntax errors show as ERROR or MISSING nodes with a position', () => {
    const missing = firstSyntaxError(parseRuby('app[:x] = {\n "a" => \n}\n'));
    expect(missing?.isMissing).toBe(true);
    expect(missing?.startPosition).toEqual({ row: 1, column: 7 });
    const error = firstSyntaxError(parseRuby('app[:x] = {{{\n'));
    expect(error).toBeDefined();
    expect(firstSyntaxError(parseRuby('app[:x] = 1\n'))).toBeUndefined();
  });

  it('parses inputs far past the 32 KiB default buffer', () => {
    const big = 'x = {\n' + '  "key" => "value",\n'.repeat(100_000) + '}\n';
    const tree = parseRuby(big);
    expect(tree.rootNode.hasError).toBe(false);
    expect(tree.rootNode.endIndex).toBe(big.length);
  });
});

describe('queries', () => {
  it('find top-level writes and setter calls only', () => {
    const tree = parseRuby('app[:a] = 1\nif x\n  app[:b] = 2\nend\nenable_all false\nputs app[:c]\n');
    expect(topLevelStatements(tree.rootNode).map((m) => `${m.kind}:${m.statement.text.split('\n')[0]}`)).toEqual([
      'write:app[:a] = 1',
      'call:enable_all false',
      'call:puts app[:c]',
    ]);
  });

  it('the direct walk finds exactly what statements.scm finds, on every fixture file', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.rb')) files.push(p);
      }
    };
    walk(join(__dirname, '../fixtures'));
    expect(files.length).toBeGreaterThan(50);
    const extra = 'foo.bar(1)\nbaz 2\napp[:a], x = 1, 2\nh = {}\nh[:k] = 1\n'; // calls with receivers, multiple assignment
    for (const f of files) {
      const tree = parseRuby(readFileSync(f, 'latin1') + '\n' + extra);
      if (tree.rootNode.hasError) continue;
      const shape = (ms: ReturnType<typeof topLevelStatements>) =>
        ms.map((m) => (m.kind === 'write' ? `w ${m.statement.startIndex} ${m.target.startIndex} ${m.value.startIndex}` : `c ${m.statement.startIndex} ${m.setter.text} ${m.arguments.startIndex}`));
      expect(shape(topLevelStatements(tree.rootNode)), f).toEqual(shape(topLevelStatementsByQuery(tree.rootNode)));
      const refs = (ns: ReturnType<typeof configReferences>) => ns.map((n) => `${n.startIndex} ${n.text}`);
      expect(refs(configReferences(tree.rootNode)), f).toEqual(refs(configReferencesByQuery(tree.rootNode)));
    }
  });

  it('find every mention of a group name', () => {
    const tree = parseRuby('if x\n  app[:b] = proxy\nend\nfoo = 1\n');
    expect(configReferences(tree.rootNode).map((n) => n.text)).toEqual(['app', 'proxy']);
  });
});
