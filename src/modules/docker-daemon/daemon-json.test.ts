import { describe, expect, it } from 'vitest';
import { detectFormatting, fileMirrors, hasMirrorsKey, parseDaemonJson, sameMirrors, setTopLevelKey } from './daemon-json.js';

describe('parseDaemonJson', () => {
  it.each([
    [undefined, 'absent'],
    ['', 'empty'],
    ['  \n', 'empty'],
    ['{}', 'object'],
    ['{"a":', 'invalid'],
    ['[1]', 'invalid'],
    ['null', 'invalid'],
    ['"x"', 'invalid'],
    ['{"a":1} trailing', 'invalid'],
  ])('%j is %s', (text, kind) => {
    expect(parseDaemonJson(text).kind).toBe(kind);
  });

  it('explains why a file is invalid', () => {
    const json = parseDaemonJson('[1, 2]');
    expect(json.kind === 'invalid' && json.error).toBe('not a JSON object (top level is an array)');
  });
});

describe('setTopLevelKey', () => {
  it('adds the key and keeps every other key, order and 2-space indentation', () => {
    const text = '{\n  "log-driver": "json-file",\n  "log-opts": {\n    "max-size": "10m"\n  }\n}\n';
    const out = setTopLevelKey(parseDaemonJson(text), 'registry-mirrors', ['http://10.0.0.5']);
    expect(out).toBe('{\n  "log-driver": "json-file",\n  "log-opts": {\n    "max-size": "10m"\n  },\n  "registry-mirrors": [\n    "http://10.0.0.5"\n  ]\n}\n');
  });

  it('keeps tab indentation', () => {
    const out = setTopLevelKey(parseDaemonJson('{\n\t"debug": false\n}\n'), 'registry-mirrors', ['http://m']);
    expect(out).toBe('{\n\t"debug": false,\n\t"registry-mirrors": [\n\t\t"http://m"\n\t]\n}\n');
  });

  it('keeps CRLF line endings', () => {
    const out = setTopLevelKey(parseDaemonJson('{\r\n  "a": 1\r\n}\r\n'), 'registry-mirrors', ['http://m']);
    expect(out).not.toMatch(/[^\r]\n/);
    expect(JSON.parse(out)).toEqual({ a: 1, 'registry-mirrors': ['http://m'] });
  });

  it('replaces an existing value in place', () => {
    const text = '{\n  "registry-mirrors": ["http://old"],\n  "userns-remap": "default"\n}';
    const out = setTopLevelKey(parseDaemonJson(text), 'registry-mirrors', ['http://new', 'http://b']);
    expect(Object.keys(JSON.parse(out))).toEqual(['registry-mirrors', 'userns-remap']);
    expect(JSON.parse(out)['registry-mirrors']).toEqual(['http://new', 'http://b']);
  });

  it('removes the key when the value is undefined and stays valid JSON', () => {
    const text = '{\n  "a": 1,\n  "registry-mirrors": ["http://old"]\n}';
    const out = setTopLevelKey(parseDaemonJson(text), 'registry-mirrors', undefined);
    expect(JSON.parse(out)).toEqual({ a: 1 });
  });

  it('creates a new object for an absent or empty file', () => {
    for (const text of [undefined, '', '\n']) {
      expect(JSON.parse(setTopLevelKey(parseDaemonJson(text), 'registry-mirrors', ['http://m']))).toEqual({ 'registry-mirrors': ['http://m'] });
    }
  });

  it('never edits an invalid file', () => {
    expect(() => setTopLevelKey(parseDaemonJson('{oops'), 'registry-mirrors', [])).toThrow(/refusing/);
  });

  it('keeps unusual values byte-for-byte elsewhere in the file', () => {
    const text = '{"big": 12345678901234567890, "s": "\\u00e9\\n", "n": null}';
    const out = setTopLevelKey(parseDaemonJson(text), 'registry-mirrors', ['http://m']);
    expect(out).toContain('12345678901234567890');
    expect(out).toContain('"\\u00e9\\n"');
  });
});

describe('mirrors', () => {
  it('compares ignoring trailing slashes but not order', () => {
    expect(sameMirrors(['http://a/'], ['http://a'])).toBe(true);
    expect(sameMirrors(['http://a', 'http://b'], ['http://b', 'http://a'])).toBe(false);
    expect(sameMirrors([], [])).toBe(true);
  });

  it('reads the file value only when it is a list of strings', () => {
    expect(fileMirrors(parseDaemonJson('{"registry-mirrors": ["http://a"]}'))).toEqual(['http://a']);
    expect(fileMirrors(parseDaemonJson('{"registry-mirrors": "http://a"}'))).toBeUndefined();
    expect(fileMirrors(parseDaemonJson('{}'))).toBeUndefined();
    expect(hasMirrorsKey(parseDaemonJson('{"registry-mirrors": []}'))).toBe(true);
  });

  it('detects indentation', () => {
    expect(detectFormatting('{\n    "a": 1\n}')).toMatchObject({ insertSpaces: true, tabSize: 4 });
    expect(detectFormatting('{"a":1}')).toMatchObject({ insertSpaces: true, tabSize: 2 });
  });
});
