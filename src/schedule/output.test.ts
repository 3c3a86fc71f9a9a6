import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatForStdout, writeFiles } from './output.js';

const files = [
  { name: 'a.service', content: 'A\n' },
  { name: 'a.timer', content: 'T\n' },
];

describe('writeFiles', () => {
  it('creates the directory and the files, then reports them unchanged', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'fleet-out-')), 'new', 'dir');
    expect(await writeFiles(dir, files, false)).toEqual([
      { file: path.join(dir, 'a.service'), status: 'created' },
      { file: path.join(dir, 'a.timer'), status: 'created' },
    ]);
    expect(readFileSync(path.join(dir, 'a.timer'), 'utf8')).toBe('T\n');
    expect((await writeFiles(dir, files, false)).map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
    expect(readdirSync(dir).sort()).toEqual(['a.service', 'a.timer']);
  });

  it('never replaces a differing file without --force, and then writes nothing at all', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleet-out-'));
    writeFileSync(path.join(dir, 'a.timer'), 'edited by hand\n');
    await expect(writeFiles(dir, files, false)).rejects.toThrow(`${path.join(dir, 'a.timer')} already exists with other content; nothing was written (--force replaces)`);
    expect(readdirSync(dir)).toEqual(['a.timer']);
    expect(readFileSync(path.join(dir, 'a.timer'), 'utf8')).toBe('edited by hand\n');
    expect((await writeFiles(dir, files, true)).map((r) => r.status)).toEqual(['created', 'replaced']);
    expect(readFileSync(path.join(dir, 'a.timer'), 'utf8')).toBe('T\n');
  });
});

describe('formatForStdout', () => {
  it('puts a comment header before each file', () => {
    expect(formatForStdout(files)).toBe('# ==> a.service <==\nA\n\n# ==> a.timer <==\nT\n');
  });
});
