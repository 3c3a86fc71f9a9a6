import { describe, expect, it } from 'vitest';
import { visible, visibleStrings } from './terminal-text.js';

describe('visible', () => {
  it('shows control characters as escapes a terminal does not act on', () => {
    expect(visible('copy \x1b]52;c;aGk=\x07 then \x1b[2J\x9b1m')).toBe('copy \\x1b]52;c;aGk=\\x07 then \\x1b[2J\\x9b1m');
    expect(visible('a\rb\x00c\x7f')).toBe('a\\rb\\x00c\\x7f');
  });

  it('keeps tabs; keeps newlines only in multi-line text (a diff), so one line cannot pose as another', () => {
    expect(visible('a\tb\nclient-2 : ok')).toBe('a\tb\\nclient-2 : ok');
    expect(visible('-a\n+b\n', true)).toBe('-a\n+b\n');
  });

  it('shows bidirectional overrides, which reorder what is displayed', () => {
    expect(visible('ok\u202egnp.exe')).toBe('ok\\u202egnp.exe');
  });

  it('leaves ordinary text, Unicode included, as it is', () => {
    expect(visible('daemon.json: “é” ✓')).toBe('daemon.json: “é” ✓');
  });

  it('maps every string of a value, keeping newlines in the fields named', () => {
    const event = { type: 'host-change', host: 'c\x1b1', change: 'write\nx', diff: '-a\x1b\n+b\n', n: 3, list: ['\x07'] };
    expect(visibleStrings(event, ['diff'])).toEqual({ type: 'host-change', host: 'c\\x1b1', change: 'write\\nx', diff: '-a\\x1b\n+b\n', n: 3, list: ['\\x07'] });
  });
});
