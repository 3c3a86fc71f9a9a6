import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSh } from '../../test/unit/sh.js';
import type { WriteFileChange } from '../core/change.js';
import { EXIT_CHANGED_MEANWHILE, EXIT_NOT_RECEIVED, removeFileCommand, writeFileCommand } from './change-commands.js';

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

  it('changes nothing when the content arrives cut short (the bytes are checked against the sha256 sent)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    writeFileSync(join(dir, 'daemon.json'), '{"old": 1}\n');
    const c = change(dir, { before: '{"old": 1}\n', content: '{"new": true, "long": "enough to cut"}\n', backupPath: join(dir, 'daemon.json.bak') });
    const command = writeFileCommand(c);
    const result = runSh({ ...command, stdin: command.stdin!.slice(0, 12) });
    expect(result.exitCode).toBe(EXIT_NOT_RECEIVED);
    expect(result.stderr).toMatch(/received 12 bytes, not the \d+ sent/);
    expect(readFileSync(c.path, 'utf8')).toBe('{"old": 1}\n');
    expect(readdirSync(dir)).toEqual(['daemon.json']);
  });
});

describe('writeFileCommand never follows a symlink someone else could plant', () => {
  it('refuses a planted symlink at the backup path, leaving its target and the file alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    const victim = join(mkdtempSync(join(tmpdir(), 'fleet-victim-')), 'shadow');
    writeFileSync(victim, 'precious\n');
    writeFileSync(join(dir, 'daemon.json'), '{"old": 1}\n');
    symlinkSync(victim, join(dir, 'daemon.json.bak'));
    const result = runSh(writeFileCommand(change(dir, { before: '{"old": 1}\n', backupPath: join(dir, 'daemon.json.bak') })));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/daemon\.json\.bak already exists; nothing changed/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(join(dir, 'daemon.json'), 'utf8')).toBe('{"old": 1}\n');
    expect(readdirSync(dir).sort()).toEqual(['daemon.json', 'daemon.json.bak']);
  });

  it('keeps the previous file as the backup (same content, mode and owner), made exclusively', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    writeFileSync(join(dir, 'daemon.json'), '{"old": 1}\n', { mode: 0o640 });
    chmodSync(join(dir, 'daemon.json'), 0o640);
    const c = change(dir, { before: '{"old": 1}\n', backupPath: join(dir, 'daemon.json.bak') });
    expect(runSh(writeFileCommand(c)).exitCode).toBe(0);
    expect(statSync(join(dir, 'daemon.json.bak')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(dir, 'daemon.json.bak'), 'utf8')).toBe('{"old": 1}\n');
  });

  it('does not chmod or chown through a temp path swapped for a symlink while the content was written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    const victimDir = mkdtempSync(join(tmpdir(), 'fleet-victim-'));
    const victim = join(victimDir, 'shadow');
    writeFileSync(victim, 'precious\n', { mode: 0o600 });
    chmodSync(victim, 0o600);
    // A `cat` that, once it has written the temp file, replaces it with a symlink to the victim,
    // as someone racing in the directory would.
    const bin = mkdtempSync(join(tmpdir(), 'fleet-bin-'));
    writeFileSync(
      join(bin, 'cat'),
      ['#!/bin/sh', '/bin/cat "$@"', 'T=$(readlink /proc/$$/fd/1)', `case "$T" in *.fleet.*) rm -f "$T"; ln -s ${victim} "$T";; esac`, ''].join('\n'),
      { mode: 0o755 },
    );
    const result = runSh(writeFileCommand(change(dir, { mode: 0o666 })), { ...process.env, PATH: `${bin}:${process.env.PATH}` });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/temp file .* was replaced/);
    expect(statSync(victim).mode & 0o777).toBe(0o600);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(join(dir, 'daemon.json'))).toBe(false);
  });

  it('refuses a directory that others may write to (they could slip a symlink in under any name)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    chmodSync(dir, 0o777);
    const result = runSh(writeFileCommand(change(dir)));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/writable by its group or by others \(mode 777\)/);
    expect(readdirSync(dir)).toEqual([]);
    chmodSync(dir, 0o1777); // sticky, as /tmp: others cannot rename or remove fleet's files
    expect(runSh(writeFileCommand(change(dir))).exitCode).toBe(0);
  });

  it('refuses to replace a symlink at the target itself (the plan resolves links before writing)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-w-'));
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'daemon.json'), '{}');
    symlinkSync(join(dir, 'real', 'daemon.json'), join(dir, 'daemon.json'));
    const result = runSh(writeFileCommand(change(dir, { before: '{}' })));
    expect(result.exitCode).toBe(EXIT_CHANGED_MEANWHILE);
    expect(result.stderr).toMatch(/is a symbolic link/);
    expect(lstatSync(join(dir, 'daemon.json')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'daemon.json'))).toBe(join(dir, 'real', 'daemon.json'));
  });
});
