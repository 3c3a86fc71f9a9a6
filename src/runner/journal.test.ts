import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from '../core/command.js';
import { journalFileName, Journal, readHostOrigin } from './journal.js';

const record = { runId: '2026-01-01T10-00-00-000Z-abcd', command: 'apply' as const, check: false, inventory: 'inventory.yml', options: {} };
const origin = (mirrors: string[] | null) => ({ mirrors, daemonJsonPath: '/etc/docker/daemon.json', runId: record.runId, recordedAt: '2026-01-01T10:00:00.000Z' });

function scratch(): string {
  return join(mkdtempSync(join(tmpdir(), 'fleet-journal-')), '.fleet');
}

describe('Journal', () => {
  it('refuses a Secret: by type, and at run time for a caller that casts one through', async () => {
    const journal = await Journal.start(scratch(), record);
    const secret = new Secret('proxy:\n  password: "tok-123"\n');
    // @ts-expect-error a Secret is not a file content the journal takes
    await expect(journal.recordFile('cache-1', '/etc/fleet/through-cache.yml', undefined, secret)).rejects.toThrow(/never records a secret/);
    await expect(journal.recordFile('cache-1', '/etc/fleet/through-cache.yml', secret as unknown as string, 'x')).rejects.toThrow(/never records a secret/);
    expect(existsSync(join(journal.dir, 'files'))).toBe(false);
  });

  it('keeps the content from before the run when a file is written twice in it', async () => {
    const journal = await Journal.start(scratch(), record);
    await journal.recordFile('client-1', '/etc/docker/daemon.json', '{"registry-mirrors": ["http://m"]}', '{"registry-mirrors": []}');
    await journal.recordFile('client-1', '/etc/docker/daemon.json', '{"registry-mirrors": []}', '{}');
    const files = join(journal.dir, 'files', 'client-1');
    const [before] = readdirSync(files).filter((f) => f.endsWith('.before'));
    const [after] = readdirSync(files).filter((f) => f.endsWith('.after'));
    expect(readFileSync(join(files, before!), 'utf8')).toBe('{"registry-mirrors": ["http://m"]}');
    expect(readFileSync(join(files, after!), 'utf8')).toBe('{}');
  });

  it('records a file that did not exist before the run as having no .before, even after a second write', async () => {
    const journal = await Journal.start(scratch(), record);
    await journal.recordFile('client-2', '/etc/docker/daemon.json', undefined, '{"a": 1}');
    await journal.recordFile('client-2', '/etc/docker/daemon.json', '{"a": 1}', '{"a": 2}');
    expect(readdirSync(join(journal.dir, 'files', 'client-2')).filter((f) => f.endsWith('.before'))).toEqual([]);
  });

  it('gives hosts whose names differ files that differ (a/b and a_b are two hosts), all inside the journal', async () => {
    const root = scratch();
    const journal = await Journal.start(root, record);
    const names = ['a/b', 'a_b', 'a b', '..', '.', 'a.b', 'é'];
    for (const [i, name] of names.entries()) await journal.rememberOrigin(name, origin([`http://m${i}`]));
    for (const [i, name] of names.entries()) expect((await readHostOrigin(root, name))?.mirrors).toEqual([`http://m${i}`]);
    expect(readdirSync(join(root, 'hosts'))).toHaveLength(names.length);
    expect(new Set(names.map(journalFileName)).size).toBe(names.length);
    expect(journalFileName('client-1.example.com')).toBe('client-1.example.com');
  });

  it('still reads a host origin recorded by an older fleet, whose file names kept `_`', async () => {
    const root = scratch();
    mkdirSync(join(root, 'hosts'), { recursive: true });
    writeFileSync(join(root, 'hosts', 'web_1.json'), JSON.stringify(origin(['http://own'])));
    expect((await readHostOrigin(root, 'web_1'))?.mirrors).toEqual(['http://own']);
    expect(await readHostOrigin(root, 'web/1')).toBeUndefined(); // not one-to-one then: never guessed
  });

  it('keeps long names short enough for a file system, and still distinct', () => {
    const long = 'h'.repeat(300);
    expect(journalFileName(long).length).toBeLessThanOrEqual(200);
    expect(journalFileName(long)).not.toBe(journalFileName(`${long}x`));
  });

  it('makes the journal directory private, also when it already existed', async () => {
    const root = scratch();
    mkdirSync(root);
    chmodSync(root, 0o755);
    await Journal.start(root, record);
    expect(statSync(root).mode & 0o777).toBe(0o700);
  });

  it('reports a record it could not write as a problem, leaving no temp file', async () => {
    const root = scratch();
    const journal = await Journal.start(root, record);
    mkdirSync(join(root, 'last-run.json'));
    const problem = await journal.finish([], { ok: 0, changed: 0, drift: 0, failed: 0, unreachable: 0, skipped: 0 });
    expect(problem).toMatch(/^the run journal could not be completed: .*last-run\.json/);
    const all = readdirSync(root, { recursive: true }) as string[];
    expect(all.filter((f) => f.includes('tmp'))).toEqual([]);
    expect(existsSync(join(journal.dir, 'run.json'))).toBe(true);
  });
});
