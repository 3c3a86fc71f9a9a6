// The local run journal (.fleet/ beside where fleet runs, like Ansible's retry files):
//   runs/<runId>/run.json                 command, inventory, options, outcomes
//   runs/<runId>/files/<host>/<path>.before|.after   a file's content before the run and after it
//   hosts/<host>.json                     what a host had before fleet's first apply (for rollback)
//   last-run.json                         pointer to the newest run
//   lock                                  the run holding the journal (journal-lock.ts)
// File contents that are a `Secret` are never written here (recordFile refuses them). The directory is private (0700); host names
// and paths become file names through journalFileName.
import { chmod, mkdir, readdir, readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { RunRefused } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import type { HostOutcome, Recap } from '../core/outcome.js';
import type { Shard } from '../inventory/shard.js';
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
  /** The run's --shard; absent for a run over the whole selection. */
  readonly shard?: Shard;
  readonly startedAt: string;
  finishedAt?: string;
  recap?: Recap;
  outcomes?: readonly HostOutcome[];
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(2).toString('hex')}`;
}

/** Longest file name the journal makes (file systems allow 255 bytes; room for suffixes). */
const MAX_NAME = 200;

/**
 * A host name or a path as a file name: unchanged when made of letters, digits, `.` and `-`, and
 * one-to-one in every case, so two names never share a file (`a/b` and `a_b` are two hosts).
 * Every other UTF-16 unit (and a leading `.`, so `.` and `..` stay inside the journal) becomes `_`
 * and four hex digits. A name too long for a file system is cut and ends with `~` and a hash of the
 * whole name (`~` itself is always escaped, so such a name never equals a short one).
 */
export function journalFileName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const char = name[i]!;
    out += /[A-Za-z0-9.-]/.test(char) && !(i === 0 && char === '.') ? char : `_${name.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return out.length <= MAX_NAME ? out : `${out.slice(0, MAX_NAME - 17)}~${sha256(name).slice(0, 16)}`;
}

/** The journal directory, made private (0700) whether fleet creates it now or it already exists. */
export async function openJournalDir(root: string): Promise<string> {
  const absolute = resolve(root);
  try {
    await mkdir(absolute, { recursive: true, mode: 0o700 });
    await chmod(absolute, 0o700);
  } catch (err) {
    throw new RunRefused(`cannot use ${root}/ for the run journal: ${(err as Error).message}`);
  }
  return absolute;
}

function writePrivate(path: string, content: string): Promise<void> {
  return writeFileAtomic(path, content, 0o600);
}

function hostOriginFile(root: string, host: string): string {
  return join(resolve(root), 'hosts', `${journalFileName(host)}.json`);
}

export class Journal {
  readonly dir: string;
  /** Files recorded in this run (host, path): only the first write of a file records its `.before`. */
  private readonly recorded = new Set<string>();
  private constructor(
    private readonly root: string,
    readonly record: RunRecord,
  ) {
    this.dir = join(root, 'runs', record.runId);
  }

  /** Start a run's record; no host has been contacted yet, so a journal that cannot be written refuses the run. */
  static async start(root: string, record: Omit<RunRecord, 'startedAt'>): Promise<Journal> {
    const absolute = await openJournalDir(root);
    // Absolute inventory paths, so --retry finds the runs of an inventory from any directory.
    const inventories = sourcesOf(record).map((f) => resolve(f));
    const journal = new Journal(absolute, { ...record, inventory: inventories.join(', '), inventories, startedAt: new Date().toISOString() });
    try {
      await mkdir(journal.dir, { recursive: true, mode: 0o700 });
      await journal.save();
    } catch (err) {
      throw new RunRefused(`cannot write the run journal in ${root}/: ${(err as Error).message}`);
    }
    return journal;
  }

  private async save(): Promise<void> {
    await writePrivate(join(this.dir, 'run.json'), `${JSON.stringify(this.record, null, 2)}\n`);
  }

  /**
   * Keep a file's content before and after a write, before the write happens. `.before` is the
   * content from before the run: a later write of the same file in the run keeps it (and a file
   * that did not exist before the run never gets one); `.after` is the newest content.
   */
  async recordFile(host: string, path: string, before: string | undefined, after: string): Promise<void> {
    // The types already keep a Secret out; this holds for callers that cast.
    if (typeof after !== 'string' || (before !== undefined && typeof before !== 'string')) throw new Error(`the journal never records a secret (${path} on ${host})`);
    const dir = join(this.dir, 'files', journalFileName(host));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const base = journalFileName(path);
    const key = JSON.stringify([host, path]);
    if (!this.recorded.has(key)) {
      if (before !== undefined) await writePrivate(join(dir, `${base}.before`), before);
      this.recorded.add(key);
    }
    await writePrivate(join(dir, `${base}.after`), after);
  }

  /**
   * Record how the run ended. Hosts were changed by now and the recap must still be shown, so a
   * failure is returned as the run's problem rather than thrown.
   */
  async finish(outcomes: readonly HostOutcome[], recap: Recap): Promise<string | undefined> {
    this.record.finishedAt = new Date().toISOString();
    this.record.outcomes = outcomes;
    this.record.recap = recap;
    const { runId, command, check, inventory, inventories, shard } = this.record;
    const pointer = `${JSON.stringify({ runId, command, check, inventory, inventories, shard }, null, 2)}\n`;
    try {
      await this.save();
      await writePrivate(join(this.root, 'last-run.json'), pointer);
      if (!this.record.check) await writePrivate(join(this.root, `last-${this.record.command}.json`), pointer);
    } catch (err) {
      return `the run journal could not be completed: ${(err as Error).message}`;
    }
    return undefined;
  }

  /** Record the host's original mirrors, once: a later apply must not overwrite the first origin. */
  async rememberOrigin(host: string, origin: HostOrigin): Promise<void> {
    const known = await readHostOrigin(this.root, host);
    if (known && !known.rolledBack) return;
    await mkdir(join(this.root, 'hosts'), { recursive: true, mode: 0o700 });
    await writePrivate(hostOriginFile(this.root, host), `${JSON.stringify(origin, null, 2)}\n`);
  }
}

/**
 * After a rollback the host is back at its origin. The origin is kept (a second rollback must
 * still know it) but marked, so the next apply records a fresh one.
 */
export async function markRolledBack(root: string, host: string): Promise<void> {
  const origin = await readHostOrigin(root, host);
  if (!origin || origin.rolledBack) return;
  await writePrivate(hostOriginFile(root, host), `${JSON.stringify({ ...origin, rolledBack: true }, null, 2)}\n`);
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
export function readLastRun(root: string, command: CommandName): Promise<RunPointer | undefined> {
  return readJson<RunPointer>(join(resolve(root), `last-${command}.json`));
}

export async function readHostOrigin(root: string, host: string): Promise<HostOrigin | undefined> {
  const origin = await readJson<HostOrigin>(hostOriginFile(root, host));
  // Journals of fleet before journalFileName kept `_` as is: read those for names made only of
  // such characters (any other name was not one-to-one then).
  if (origin === undefined && /^[\w.-]+$/.test(host) && journalFileName(host) !== host) return readJson<HostOrigin>(join(resolve(root), 'hosts', `${host}.json`));
  return origin;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The newest finished real (not --check) run of `command` on the same inventory sources and the
 * same --shard (none for none), or undefined. Run ids start with their start time, so the newest
 * sorts last.
 */
export async function findLastRun(root: string, command: CommandName, inventory: string | readonly string[], shard?: Shard): Promise<RunRecord | undefined> {
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
    const sameShard = record.shard?.index === shard?.index && record.shard?.count === shard?.count;
    if (record.command === command && !record.check && record.outcomes && sameShard && JSON.stringify(sourcesOf(record).map((f) => resolve(f))) === wanted) return record;
  }
  return undefined;
}
