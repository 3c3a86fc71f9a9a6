import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pythonLiteral } from './python-literal.js';

/** What Ansible's INI reader makes of a value: the literal, or the text itself. */
const typed = (text: string): unknown => {
  const r = pythonLiteral(text);
  return r.ok ? r.value : text;
};

const CASES: ReadonlyArray<[string, unknown]> = [
  ['2222', 2222],
  ['-5', -5],
  ['+7', 7],
  ['0x10', 16],
  ['0o17', 15],
  ['0b101', 5],
  ['1_000', 1000],
  ['0', 0],
  ['00', 0],
  ['010', '010'],
  ['1e3', 1000],
  ['.5', 0.5],
  ['5.', 5],
  ['1.5e-3', 0.0015],
  ['True', true],
  ['False', false],
  ['None', null],
  ['true', 'true'],
  ['yes', 'yes'],
  ["'quoted'", 'quoted'],
  ['"double"', 'double'],
  ["'a' 'b'", 'ab'],
  ["'it\\'s'", "it's"],
  ["'tab\\there'", 'tab\there'],
  ["r'raw\\n'", 'raw\\n'],
  ["b'bytes'", 'bytes'],
  ["'\\x41\\u00e9\\101'", 'Aé\x41'],
  ['[1, 2]', [1, 2]],
  ['[1, [2, "x"],]', [1, [2, 'x']]],
  ['(1, 2)', [1, 2]],
  ['(1,)', [1]],
  ['(5)', 5],
  ['()', []],
  ["{'a': 1, 2: [3]}", { a: 1, 2: [3] }],
  ['{}', {}],
  ['2222 # the port', 2222],
  ['  5', 5],
  ['spaced value  # comment?', 'spaced value  # comment?'],
  ['1+2', '1+2'],
  ['1j', '1j'],
  ['--5', '--5'],
  ['-True', '-True'],
  ['[1, 2', '[1, 2'],
  ['/usr/bin/python3', '/usr/bin/python3'],
  ['10.0.0.5', '10.0.0.5'],
  ['{{ env.X }}', '{{ env.X }}'],
  ["f'x'", "f'x'"],
  ['', ''],
  ['inf', 'inf'],
  ['...', '...'],
];

describe('pythonLiteral', () => {
  it.each(CASES)('%s', (text, expected) => {
    expect(typed(text)).toEqual(expected);
  });
});

// The real peer: Python's own ast.literal_eval, as Ansible calls it (with the same fallback).
const python = spawnSync('python3', ['-c', 'pass']).status === 0;
describe.skipIf(!python)('pythonLiteral agrees with Python', () => {
  it('on every case above', () => {
    const script = [
      'import ast, json, sys',
      'def conv(v):',
      '    if isinstance(v, (list, tuple, set)): return [conv(x) for x in v]',
      '    if isinstance(v, dict): return {json.dumps(k) if not isinstance(k, str) else k: conv(x) for k, x in v.items()}',
      '    if isinstance(v, bytes): return v.decode()',
      '    if isinstance(v, complex) or v is Ellipsis: raise ValueError()',
      '    return v',
      'out = []',
      'for text in json.load(sys.stdin):',
      '    try: out.append(conv(ast.literal_eval(text)))',
      '    except (ValueError, SyntaxError): out.append(text)',
      'print(json.dumps(out))',
    ].join('\n');
    const inputs = CASES.map(([text]) => text);
    const r = spawnSync('python3', ['-W', 'ignore', '-c', script], { input: JSON.stringify(inputs), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(inputs.map(typed)).toEqual(JSON.parse(r.stdout));
  });
});
