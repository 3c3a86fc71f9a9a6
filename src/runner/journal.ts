// The local run journal (.fleet/ beside where fleet runs, like Ansible's retry files):
//   runs/<runId>/run.json                 command, inventory, options, outcomes
//   runs/<runId>/files/<host>/<name>.before|.after   file contents around every write
//   hosts/<host>.json                     what a host had before fleet's first apply (for rollback)
//   last-run.json                         pointer to the newest run
// Contents marked sensitive are never written here. The directory is private (0700).
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { HostOutcome, Recap } from '../core/outcome.js';
import type { CommandName } from './events.js';

export interface HostOrigin {
  /** Mirrors in daemon.json before fleet first changed them; null when the key was absent. */
  readonly mirrors: readonly string[] | null;
  readonly daemonJsonPath: string;
  readonly runId: string;
  readonly recordedAt: string;
  /** Set once a rollback brought the host back here; the next apply records a fresh origin. */
  readonly rolledBack?: boolean;
}

export interface RunRecord {
  readonly runId: string;
  readonly command: CommandName;
  readonly check: boolean;
  /** The inventory source (absolute), or the sources comma-separated. */
  readonly inventory: string;
  /** Every inventory source (absolute), in the order given. Absent in journals of older runs. */
  readonly inventories?: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
  finishedAt?: string;
  recap?: Recap;
  outcomes?: readonly HostOutcome[];
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(2).toString('hex')}`;
}

/** Host names become file names: keep them readable but harmless. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode: 0o600 });
  await rename(tmp, path);
}

export class Journal {
  readonly dir: string;
  private constructor(
    private readonly root: string,
    readonly record: RunRecord,
  ) {
    this.dir = join(root, 'runs', record.runId);
  }

  static async start(root: string, record: Omit<RunRecord, 'startedAt'>): Promise<Journal> {
    const absolute = resolve(root);
    await mkdir(join(absolute, 'runs', record.runId), { recursive: true, mode: 0o700 });
    // Absolute inventory paths, so --retry finds the runs of an inventory from any directory.
    const inventories = sourcesOf(record).map((f) => resolve(f));
    const journal = new Journal(absolute, { ...record, inventory: inventories.join(', '), inventories, startedAt: new Date().toISOString() });
    await journal.save();
    return journal;
  }

  private async save(): Promise<void> {
    await writeAtomic(join(this.dir, 'run.json'), `${JSON.stringify(this.record, null, 2)}\n`);
  }

  /** Keep a file's content before and after a write, before the write happens. */
  async recordFile(host: string, path: string, before: string | undefined, after: string): Promise<void> {
    const dir = join(this.dir, 'files', safeName(host));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const base = safeName(path.replace(/^\//, ''));
    if (before !== undefined) await writeAtomic(join(dir, `${base}.before`), before);
    await writeAtomic(join(dir, `${base}.after`), after);
  }

  async finish(outcomes: readonly HostOutcome[], recap: Recap): Promise<void> {
    this.record.finishedAt = new Date().toISOString();
    this.record.outcomes = outcomes;
    this.record.recap = recap;
    await this.save();
    const { runId, command, check, inventory, inventories } = this.record;
    const pointer = `${JSON.stringify({ runId, command, check, inventory, inventories }, null, 2)}\n`;
    await writeAtomic(join(this.root, 'last-run.json'), pointer);
    if (!this.record.check) await writeAtomic(join(this.root, `last-${this.record.command}.json`), pointer);
  }

  /** Record the host's original mirrors, once: a later apply must not overwrite the first origin. */
  async rememberOrigin(host: string, origin: HostOrigin): Promise<void> {
    const known = await readHostOrigin(this.root, host);
    if (known && !known.rolledBack) return;
    await mkdir(join(this.root, 'hosts'), { recursive: true, mode: 0o700 });
    await writeAtomic(join(this.root, 'hosts', `${safeName(host)}.json`), `${JSON.stringify(origin, null, 2)}\n`);
  }
}

/**
 * After a rollback the host is back at its origin. The origin is kept (a second rollback must
 * still know it) but marked, so the next apply records a fresh one.
 */
export async function markRolledBack(root: string, host: string): Promise<void> {
  const origin = await readHostOrigin(root, host);
  if (!origin || origin.rolledBack) return;
  await writeAtomic(join(resolve(root), 'hosts', `${safeName(host)}.json`), `${JSON.stringify({ ...origin, rolledBack: true }, null, 2)}\n`);
}

export interface RunPointer {
  readonly runId: string;
  readonly command: CommandName;
  readonly inventory: string;
  readonly inventories?: readonly string[];
}

/** The inventory sources of a run (one, in journals written before several were possible). */
export function sourcesOf(record: Pick<RunRecord, 'inventory' | 'inventories'>): readonly string[] {
  return record.inventories ?? [record.inventory];
}

/** The newest real (not --check) run of a command, or undefined when none is recorded. */
export async function readLastRun(root: string, command: CommandName): Promise<RunPointer | undefined> {
  try {
    return JSON.parse(await readFile(join(resolve(root), `last-${command}.json`), 'utf8')) as RunPointer;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function readHostOrigin(root: string, host: string): Promise<HostOrigin | undefined> {
  try {
    return JSON.parse(await readFile(join(resolve(root), 'hosts', `${safeName(host)}.json`), 'utf8')) as HostOrigin;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The newest finished real (not --check) run of `command` on the same inventory sources, or undefined. Run ids
 * start with their start time, so the newest sorts last.
 */
export async function findLastRun(root: string, command: CommandName, inventory: string | readonly string[]): Promise<RunRecord | undefined> {
  const runs = join(resolve(root), 'runs');
  let ids: string[];
  try {
    ids = (await readdir(runs)).sort().reverse();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const wanted = JSON.stringify((typeof inventory === 'string' ? [inventory] : inventory).map((f) => resolve(f)));
  for (const id of ids) {
    let record: RunRecord;
    try {
      record = JSON.parse(await readFile(join(runs, id, 'run.json'), 'utf8')) as RunRecord;
    } catch {
      continue; // a run that crashed before writing its record, or a stray directory
    }
    if (record.command === command && !record.check && record.outcomes && JSON.stringify(sourcesOf(record).map((f) => resolve(f))) === wanted) return record;
  }
  return undefined;
}
