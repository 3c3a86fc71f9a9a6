import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunRefused } from '../core/errors.js';
import { lockJournal, locksOverlap } from './journal-lock.js';

function scratch(): string {
  return join(mkdtempSync(join(tmpdir(), 'fleet-lock-')), '.fleet');
}

function plant(root: string, holder: object): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'lock'), JSON.stringify(holder));
}

const deadPid = (): number => spawnSync('true').pid!;

describe('lockJournal', () => {
  it('holds the journal for one run: a second one is refused, naming the holder', async () => {
    const root = scratch();
    const lock = await lockJournal(root, 'fleet apply inv.yml', () => {});
    const holder = JSON.parse(readFileSync(join(root, 'lock'), 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), command: 'fleet apply inv.yml' });
    expect(Number.isNaN(Date.parse(holder.startedAt))).toBe(false);

    const second = lockJournal(root, 'fleet rollback', () => {});
    await expect(second).rejects.toBeInstanceOf(RunRefused);
    await expect(second).rejects.toThrow(new RegExp(`is in use by another fleet run: pid ${process.pid} on ${hostname()}, started ${holder.startedAt}: fleet apply inv.yml`));

    await lock.release();
    expect(existsSync(join(root, 'lock'))).toBe(false);
    const again = await lockJournal(root, 'fleet rollback', () => {});
    await again.release();
  });

  it('takes over the lock of a process that is gone, with a note', async () => {
    const root = scratch();
    const pid = deadPid();
    plant(root, { pid, host: hostname(), command: 'fleet apply old.yml', startedAt: '2020-01-01T00:00:00.000Z' });
    const notes: string[] = [];
    const lock = await lockJournal(root, 'fleet apply inv.yml', (n) => notes.push(n));
    expect(notes).toEqual([expect.stringMatching(new RegExp(`stale lock .*pid ${pid} on ${hostname()}.*fleet apply old\\.yml.* no longer running`))]);
    expect(JSON.parse(readFileSync(join(root, 'lock'), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('never takes over a lock held from another control node: it cannot tell whether that run is alive', async () => {
    const root = scratch();
    plant(root, { pid: deadPid(), host: 'other-node', command: 'fleet apply inv.yml', startedAt: '2020-01-01T00:00:00.000Z' });
    await expect(lockJournal(root, 'fleet apply inv.yml', () => {})).rejects.toThrow(/on other-node.*remove .*lock/);
  });

  it('refuses, naming the file, when the lock cannot be read', async () => {
    const root = scratch();
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'lock'), 'garbage');
    await expect(lockJournal(root, 'fleet apply inv.yml', () => {})).rejects.toThrow(/lock .*cannot be read.*remove it/);
  });

  it('lets exactly one of many runs that start together hold the journal', async () => {
    const root = scratch();
    plant(root, { pid: deadPid(), host: hostname(), command: 'fleet apply old.yml', startedAt: '2020-01-01T00:00:00.000Z' });
    const attempts = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => lockJournal(root, `fleet apply ${i}`, () => {})));
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
  });
});

describe('lockJournal with --shard', () => {
  const shard = (index: number, count: number) => ({ index, count });

  it('lets the shards of one K share a journal, each holding its own lock', async () => {
    const root = scratch();
    const locks = await Promise.all([1, 2, 3].map((i) => lockJournal(root, `fleet apply --shard ${i}/3`, () => {}, shard(i, 3))));
    for (const i of [1, 2, 3]) expect(JSON.parse(readFileSync(join(root, `lock.shard-${i}-of-3`), 'utf8')).command).toBe(`fleet apply --shard ${i}/3`);
    // the same shard twice is one run too many
    await expect(lockJournal(root, 'fleet apply --shard 2/3', () => {}, shard(2, 3))).rejects.toThrow(/in use by another fleet run: .*--shard 2\/3/);
    await Promise.all(locks.map((l) => l.release()));
    expect(existsSync(join(root, 'lock.shard-1-of-3'))).toBe(false);
  });

  it('refuses a whole run while a shard runs, and a shard while a whole run does, letting go of its own lock', async () => {
    const root = scratch();
    const one = await lockJournal(root, 'fleet apply --shard 1/2', () => {}, shard(1, 2));
    await expect(lockJournal(root, 'fleet apply inv.yml', () => {})).rejects.toThrow(/overlapping hosts: pid \d+ .*--shard 1\/2/);
    expect(existsSync(join(root, 'lock'))).toBe(false);
    await one.release();

    const whole = await lockJournal(root, 'fleet apply inv.yml', () => {});
    await expect(lockJournal(root, 'fleet apply --shard 2/2', () => {}, shard(2, 2))).rejects.toThrow(/overlapping hosts: .*fleet apply inv\.yml/);
    expect(existsSync(join(root, 'lock.shard-2-of-2'))).toBe(false);
    await whole.release();
  });

  it('refuses a shard of another K (their slices overlap), and ignores the lock of a shard that died', async () => {
    const root = scratch();
    const two = await lockJournal(root, 'fleet apply --shard 1/2', () => {}, shard(1, 2));
    await expect(lockJournal(root, 'fleet apply --shard 3/3', () => {}, shard(3, 3))).rejects.toThrow(/overlapping hosts/);
    await two.release();
    writeFileSync(join(root, 'lock.shard-1-of-2'), JSON.stringify({ pid: deadPid(), host: hostname(), command: 'fleet apply --shard 1/2', startedAt: '2020-01-01T00:00:00.000Z' }));
    const three = await lockJournal(root, 'fleet apply --shard 3/3', () => {}, shard(3, 3));
    await three.release();
  });

  it('knows which lock files overlap', () => {
    expect(locksOverlap('lock', 'lock.shard-1-of-3')).toBe(true);
    expect(locksOverlap('lock.shard-1-of-3', 'lock.shard-2-of-3')).toBe(false);
    expect(locksOverlap('lock.shard-1-of-3', 'lock.shard-1-of-2')).toBe(true);
    expect(locksOverlap('lock.shard-2-of-3', 'lock.shard-2-of-3')).toBe(true);
  });
});
