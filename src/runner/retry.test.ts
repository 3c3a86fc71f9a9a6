import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import type { Host } from '../inventory/model.js';
import { Journal, findLastRun, readLastRun } from './journal.js';
import { failedHosts, selectRetryHosts } from './retry.js';

const host = (name: string): Host => ({ name, groups: ['all'], vars: {}, become: false, ssh: { name, address: name, port: 22, user: 'root' } });
const ALL = ['cache-1', 'c1', 'c2', 'c3'].map(host);
const outcome = (h: string, status: 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped') => ({ host: h, status, message: '', changes: [], durationMs: 1 });

async function journalWith(runs: Array<{ id: string; command: 'apply' | 'rollback'; check?: boolean; inventory?: string; outcomes?: ReturnType<typeof outcome>[] }>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fleet-retry-'));
  for (const run of runs) {
    await mkdir(join(root, 'runs', run.id), { recursive: true });
    const record = { runId: run.id, command: run.command, check: run.check ?? false, inventory: run.inventory ?? '/inv/prod.yml', options: {}, startedAt: 'x', ...(run.outcomes ? { outcomes: run.outcomes } : {}) };
    await writeFile(join(root, 'runs', run.id, 'run.json'), JSON.stringify(record));
  }
  return root;
}

async function usage(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  return (err as Error).message;
}

describe('failedHosts', () => {
  it('keeps failed and unreachable hosts, not skipped ones', () => {
    expect(failedHosts([outcome('a', 'failed'), outcome('b', 'skipped'), outcome('c', 'unreachable'), outcome('d', 'changed'), outcome('e', 'ok')])).toEqual(['a', 'c']);
  });
});

describe('findLastRun', () => {
  it('finds the newest finished real run of that command on that inventory', async () => {
    const root = await journalWith([
      { id: '2026-01-01T10-00-00-000Z-aaaa', command: 'apply', outcomes: [outcome('c1', 'failed')] },
      { id: '2026-01-01T11-00-00-000Z-bbbb', command: 'apply', outcomes: [outcome('c2', 'failed')] },
      { id: '2026-01-01T12-00-00-000Z-cccc', command: 'apply', check: true, outcomes: [outcome('c3', 'failed')] },
      { id: '2026-01-01T13-00-00-000Z-dddd', command: 'rollback', outcomes: [outcome('c3', 'failed')] },
      { id: '2026-01-01T14-00-00-000Z-eeee', command: 'apply', inventory: '/inv/other.yml', outcomes: [outcome('c3', 'failed')] },
      { id: '2026-01-01T15-00-00-000Z-ffff', command: 'apply' }, // crashed: no outcomes
    ]);
    expect((await findLastRun(root, 'apply', '/inv/prod.yml'))?.runId).toBe('2026-01-01T11-00-00-000Z-bbbb');
    expect((await findLastRun(root, 'rollback', '/inv/prod.yml'))?.runId).toBe('2026-01-01T13-00-00-000Z-dddd');
    expect(await findLastRun(root, 'rollback', '/inv/other.yml')).toBeUndefined();
    expect(await findLastRun(join(root, 'nowhere'), 'apply', '/inv/prod.yml')).toBeUndefined();
  });

  it('finds a run recorded by the Journal under a relative inventory path', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fleet-retry-'));
    const journal = await Journal.start(root, { runId: '2026-01-01T10-00-00-000Z-abcd', command: 'apply', check: false, inventory: 'inventory.yml', options: {} });
    await journal.finish([outcome('c1', 'unreachable')], { ok: 0, changed: 0, failed: 0, unreachable: 1, skipped: 0 });
    expect((await findLastRun(root, 'apply', join(process.cwd(), 'inventory.yml')))?.outcomes).toHaveLength(1);
  });

  it('matches a run of several inventory sources only on the same sources in the same order', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fleet-retry-'));
    const journal = await Journal.start(root, { runId: '2026-01-01T10-00-00-000Z-abcd', command: 'apply', check: false, inventory: 'static.yml, nomad.yml', inventories: ['static.yml', 'nomad.yml'], options: {} });
    await journal.finish([outcome('c1', 'unreachable')], { ok: 0, changed: 0, failed: 0, unreachable: 1, skipped: 0 });
    const record = await findLastRun(root, 'apply', [join(process.cwd(), 'static.yml'), 'nomad.yml']);
    expect(record?.inventories).toEqual([join(process.cwd(), 'static.yml'), join(process.cwd(), 'nomad.yml')]);
    expect(await findLastRun(root, 'apply', 'static.yml')).toBeUndefined();
    expect(await findLastRun(root, 'apply', ['nomad.yml', 'static.yml'])).toBeUndefined();
    expect(await readLastRun(root, 'apply')).toMatchObject({ inventories: [join(process.cwd(), 'static.yml'), join(process.cwd(), 'nomad.yml')] });
  });

  it('takes the last run of the same shard: shards sharing a journal retry their own failures only', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fleet-retry-'));
    const runs = [
      { id: '2026-01-01T10-00-00-000Z-aaaa', shard: { index: 1, count: 2 }, failed: 'c1' },
      { id: '2026-01-01T10-00-00-000Z-bbbb', shard: { index: 2, count: 2 }, failed: 'c2' },
      { id: '2026-01-01T09-00-00-000Z-cccc', shard: undefined, failed: 'c3' },
    ];
    for (const run of runs) {
      const journal = await Journal.start(root, { runId: run.id, command: 'apply', check: false, inventory: '/inv/prod.yml', options: {}, ...(run.shard ? { shard: run.shard } : {}) });
      await journal.finish([outcome(run.failed, 'failed')], { ok: 0, changed: 0, failed: 1, unreachable: 0, skipped: 0 });
    }
    expect((await findLastRun(root, 'apply', '/inv/prod.yml', { index: 1, count: 2 }))?.runId).toBe('2026-01-01T10-00-00-000Z-aaaa');
    expect((await findLastRun(root, 'apply', '/inv/prod.yml'))?.runId).toBe('2026-01-01T09-00-00-000Z-cccc');
    expect(await findLastRun(root, 'apply', '/inv/prod.yml', { index: 1, count: 3 })).toBeUndefined();
    const retry = await selectRetryHosts(root, 'apply', '/inv/prod.yml', ALL, ALL, false, { index: 2, count: 2 });
    expect(retry.hosts.map((h) => h.name)).toEqual(['c2']);
    // the shard's own selection no longer holds the host (it moved to another K, say)
    const gone = selectRetryHosts(root, 'apply', '/inv/prod.yml', ALL.filter((h) => h.name !== 'c2'), ALL, false, { index: 2, count: 2 });
    expect(await usage(gone)).toMatch(/left c2 to retry, but none of them matches --shard 2\/2/);
  });
});

describe('selectRetryHosts', () => {
  const id = '2026-01-01T10-00-00-000Z-aaaa';
  const run = (outcomes: ReturnType<typeof outcome>[]) => journalWith([{ id, command: 'apply', outcomes }]);

  it('narrows the selected hosts to the failed and unreachable ones, in inventory order', async () => {
    const root = await run([outcome('c3', 'unreachable'), outcome('c1', 'failed'), outcome('c2', 'skipped'), outcome('gone', 'failed')]);
    const selection = await selectRetryHosts(root, 'apply', '/inv/prod.yml', ALL, ALL, false);
    expect(selection.hosts.map((h) => h.name)).toEqual(['c1', 'c3']);
    expect(selection).toMatchObject({ runId: id, missing: ['gone'] });
  });

  it('intersects with --limit', async () => {
    const root = await run([outcome('c1', 'failed'), outcome('c3', 'failed')]);
    const selection = await selectRetryHosts(root, 'apply', '/inv/prod.yml', [host('c3'), host('c2')], ALL, true);
    expect(selection.hosts.map((h) => h.name)).toEqual(['c3']);
    expect(await usage(selectRetryHosts(root, 'apply', '/inv/prod.yml', [host('c2')], ALL, true))).toBe(`--retry: run ${id} left c1, c3 to retry, but none of them matches --limit`);
  });

  it('says clearly when there is no run or nothing to retry', async () => {
    const root = await run([outcome('c1', 'changed'), outcome('c2', 'skipped')]);
    expect(await usage(selectRetryHosts(root, 'rollback', '/inv/prod.yml', ALL, ALL, false))).toBe(`--retry: no rollback of /inv/prod.yml is recorded in ${root}/ (runs with --check do not count)`);
    expect(await usage(selectRetryHosts(root, 'apply', '/inv/prod.yml', ALL, ALL, false))).toBe(`--retry: nothing to retry: no host failed or was unreachable in the last apply of /inv/prod.yml (run ${id})`);
  });
});
