/** The one scan of a file into statements: each kind the fold and the write list rely on. */
import { describe, expect, it } from 'vitest';
import { parseDocument } from '../src/ruby/document';

const kinds = (text: string) =>
  parseDocument(text).statements.map((s) => {
    switch (s.kind) {
      case 'write':
      case 'computed-key':
        return [s.kind, s.group, ...s.path];
      case 'unknown-group':
      case 'call':
        return [s.kind, s.name];
      case 'enable_all':
        return [s.kind, s.value.text];
      case 'uncertain':
        return [s.kind, s.how, s.references.length];
    }
  });

describe('scanStatements', () => {
  it('classifies each top-level statement once, in file order, skipping comments and plain Ruby', () => {
    const text = [
      '# a comment',
      'app[:configuration] = { "scalr" => {} }',
      'proxy[:ssl_enable] = true',
      'app[:configuration]["scalr"][name] = 1',
      'enable_all false',
      'prxy[:x] = 1',
      'enabl_all true',
      'if true then app[:configuration]["scalr"]["a"] = 1 end',
      'x = {}',
      'x[:a] = 1',
      'puts_nothing = 2',
      '',
    ].join('\n');
    expect(kinds(text)).toEqual([
      ['write', 'app', 'configuration'],
      ['write', 'proxy', 'ssl_enable'],
      ['computed-key', 'app', 'configuration', 'scalr'],
      ['enable_all', 'false'],
      ['unknown-group', 'prxy'],
      ['call', 'enabl_all'],
      ['uncertain', expect.any(String), 1],
    ]);
  });

  it('keeps the nodes a planner edits: the statement, its target and its value', () => {
    const text = 'mysql[:root_password] = "s3cret"\n';
    const [s] = parseDocument(text).statements;
    expect(s.kind).toBe('write');
    if (s.kind !== 'write') return;
    expect([s.statement.text, s.target.text, s.value.text]).toEqual(['mysql[:root_password] = "s3cret"', 'mysql[:root_password]', '"s3cret"']);
  });
});
