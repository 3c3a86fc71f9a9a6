import { describe, expect, it } from 'vitest';
import { expandEnv } from './env.js';

describe('expandEnv', () => {
  it('replaces every reference, with or without spaces', () => {
    expect(expandEnv('{{env.A}}-{{ env.B }}-{{  env.A}}', { A: '1', B: '2' })).toEqual({ value: '1-2-1', problems: [] });
  });

  it('leaves text without templates alone and substitutes empty values', () => {
    expect(expandEnv('plain {text}', {})).toEqual({ value: 'plain {text}', problems: [] });
    expect(expandEnv('x{{ env.EMPTY }}y', { EMPTY: '' })).toEqual({ value: 'xy', problems: [] });
  });

  it('does not expand templates inside substituted values', () => {
    expect(expandEnv('{{ env.A }}', { A: '{{ env.B }}', B: 'no' }).value).toBe('{{ env.B }}');
  });

  it('reports each unset variable and each unsupported template', () => {
    const r = expandEnv('{{ env.MISSING }} {{ vault_password }} {{ env.SET }}', { SET: 'ok' });
    expect(r.problems.map((p) => p.message)).toEqual([
      'environment variable MISSING is not set (referenced as {{ env.MISSING }})',
      'unsupported template {{ vault_password }}: only {{ env.NAME }} (an environment variable) is supported',
    ]);
    expect(r.problems.map((p) => p.unsetVariable)).toEqual(['MISSING', undefined]);
  });

  it('reports unterminated and stray delimiters', () => {
    expect(expandEnv('{{ env.A', { A: 'x' }).problems.map((p) => p.message)).toEqual(['unterminated template: "{{" without a matching "}}"']);
    expect(expandEnv('a }} b', {}).problems.map((p) => p.message)).toEqual(['stray "}}" without a matching "{{"']);
    expect(expandEnv('{{ env.X.Y }}', {}).problems[0]!.message).toMatch(/unsupported template/);
  });
});
