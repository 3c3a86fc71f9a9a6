import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSh } from '../../test/unit/sh.js';
import type { WriteFileChange } from '../core/change.js';
import { EXIT_CHANGED_MEANWHILE, removeFileCommand, writeFileCommand } from './change-commands.js';

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

function change(dir: string, over: Partial<WriteFileChange> = {}): WriteFileChange {
  return { kind: 'write-file', path: join(dir, 'daemon.json'), content: '{"new": true}\n', mode: 0o600, uid, gid, reason: 'test', ...over };
}

describe('writeFileCommand (run by a real /bin/sh)', () => {
  it('replaces the file atomically, keeps mode, and backs up the old content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    writeFileSync(join(dir, 'daemon.json'), '{"old": 1}\n');
    const c = change(dir, { before: '{"old": 1}\n', backupPath: join(dir, 'daemon.json.bak') });
    const result = runSh(writeFileCommand(c));
    expect(result.exitCode).toBe(0);
    expect(readFileSync(c.path, 'utf8')).toBe('{"new": true}\n');
    expect(statSync(c.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'daemon.json.bak'), 'utf8')).toBe('{"old": 1}\n');
    expect(readdirSync(dir).filter((f) => f.includes('.fleet.'))).toEqual([]);
  });

  it('creates a missing file and its directory', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fleet-w-')), 'docker');
    const c = change(dir, { mode: 0o644 });
    expect(runSh(writeFileCommand(c)).exitCode).toBe(0);
    expect(readFileSync(c.path, 'utf8')).toBe('{"new": true}\n');
  });

  it('refuses to overwrite a file edited since it was read, and leaves it byte-identical', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    writeFileSync(join(dir, 'daemon.json'), '{"edited": "by someone"}');
    const result = runSh(writeFileCommand(change(dir, { before: '{"old": 1}\n' })));
    expect(result.exitCode).toBe(EXIT_CHANGED_MEANWHILE);
    expect(result.stderr).toMatch(/changed since it was read/);
    expect(readFileSync(join(dir, 'daemon.json'), 'utf8')).toBe('{"edited": "by someone"}');
    expect(readdirSync(dir)).toEqual(['daemon.json']);
  });

  it('refuses when a file appeared where none was expected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    writeFileSync(join(dir, 'daemon.json'), '{}');
    expect(runSh(writeFileCommand(change(dir))).exitCode).toBe(EXIT_CHANGED_MEANWHILE);
  });

  it('passes content with quotes and shell syntax through stdin untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    const content = `{"x": "it's $(id) \`id\` \\n"}\n`;
    const c = change(dir, { content });
    expect(runSh(writeFileCommand(c)).exitCode).toBe(0);
    expect(readFileSync(c.path, 'utf8')).toBe(content);
  });

  it('removes a file only if it still holds what fleet wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    const path = join(dir, 'daemon.json');
    writeFileSync(path, 'mine');
    expect(runSh(removeFileCommand(path, 'theirs')).exitCode).toBe(EXIT_CHANGED_MEANWHILE);
    expect(existsSync(path)).toBe(true);
    expect(runSh(removeFileCommand(path, 'mine')).exitCode).toBe(0);
    expect(existsSync(path)).toBe(false);
  });
});
