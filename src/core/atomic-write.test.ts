import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'fleet-aw-'));
}

describe('writeFileAtomic', () => {
  it('replaces the file with the given mode and leaves nothing else behind', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'out.prom'), 'old');
    await writeFileAtomic(join(dir, 'out.prom'), 'new\n', 0o600);
    expect(readFileSync(join(dir, 'out.prom'), 'utf8')).toBe('new\n');
    expect(statSync(join(dir, 'out.prom')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['out.prom']);
  });

  it('never writes through a link planted at a guessable temp name', async () => {
    const dir = scratch();
    const victim = join(scratch(), 'victim');
    writeFileSync(victim, 'precious');
    // The names an older fleet used: predictable from the process id.
    for (const name of [`.out.prom.${process.pid}.tmp`, `out.prom.tmp-${process.pid}`]) symlinkSync(victim, join(dir, name));
    await writeFileAtomic(join(dir, 'out.prom'), 'new\n');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readFileSync(join(dir, 'out.prom'), 'utf8')).toBe('new\n');
  });

  it('lets writes of the same file overlap: each has a temp file of its own', async () => {
    const dir = scratch();
    const contents = Array.from({ length: 8 }, (_, i) => `content ${i}\n`.repeat(5000));
    await Promise.all(contents.map((c) => writeFileAtomic(join(dir, 'f'), c)));
    expect(contents).toContain(readFileSync(join(dir, 'f'), 'utf8'));
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('removes its temp file when the rename fails', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'taken')); // a directory where the file should go
    await expect(writeFileAtomic(join(dir, 'taken'), 'x')).rejects.toThrow(/taken/);
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
