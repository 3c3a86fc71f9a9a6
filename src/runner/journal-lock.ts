// One run at a time per journal directory, as Terraform locks its state: apply and rollback hold
// `lock` in the journal for their whole run (two runs would race on the cache container and on
// last-*.json). The file is created exclusively (O_EXCL) and names its holder, so a second run is
// refused at once with who holds it. A lock left by a run that died (killed, crashed) on this
// control node is taken over; one from another node is never judged stale, since its process
// cannot be seen from here.
//
// Shards (--shard I/K) of one fleet work on disjoint hosts, so they may share a journal: each
// holds `lock.shard-I-of-K`, and a run over the whole selection holds `lock`. Having taken its own
// file, a run looks for the ones it overlaps with (a whole run and any shard; shards of another K)
// and, if one is held, lets go and is refused. Two such runs starting together may both be
// refused, never both let in.
import { open, readdir, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RunRefused } from '../core/errors.js';
import type { Shard } from '../inventory/shard.js';
import { openJournalDir } from './journal.js';

export interface LockHolder {
  readonly pid: number;
  /** Host name of the control node the run is on. */
  readonly host: string;
  /** The command line, e.g. `fleet apply inventory.yml --serial 10%`. */
  readonly command: string;
  readonly startedAt: string;
}

export interface JournalLock {
  release(): Promise<void>;
}

/** How long a lock that is being written, or taken over, may stay unreadable before the run gives up. */
const SETTLE_MS = 2000;
const RETRY_MS = 50;

/** The lock file of a run: `lock`, or `lock.shard-I-of-K` for one shard. */
export function lockFileName(shard?: Shard): string {
  return shard ? `lock.shard-${shard.index}-of-${shard.count}` : 'lock';
}

const SHARD_LOCK = /^lock\.shard-(\d+)-of-(\d+)$/;

/** Whether runs holding lock files `a` and `b` may touch the same hosts. */
export function locksOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const [sa, sb] = [SHARD_LOCK.exec(a), SHARD_LOCK.exec(b)];
  if (!sa || !sb) return true; // a whole run overlaps every shard
  return sa[2] !== sb[2]; // shards of one K are disjoint; of two K they are not
}

/** Take the journal's lock for `command` (and --shard), or throw RunRefused naming the run that holds it. */
export async function lockJournal(root: string, command: string, note: (message: string) => void, shard?: Shard): Promise<JournalLock> {
  const dir = await openJournalDir(root);
  const lock = await takeLock(root, join(dir, lockFileName(shard)), command, note);
  try {
    await refuseOverlapping(root, dir, lockFileName(shard));
  } catch (err) {
    await lock.release();
    throw err;
  }
  return lock;
}

/** Refuse when a live run holds a lock whose hosts overlap those of `mine`. */
async function refuseOverlapping(root: string, dir: string, mine: string): Promise<void> {
  const others = (await readdir(dir)).filter((name) => name !== mine && (name === 'lock' || SHARD_LOCK.test(name)) && locksOverlap(name, mine));
  for (const name of others) {
    const holder = await readHolder(join(dir, name));
    if (holder === 'gone' || (holder !== 'unreadable' && isStale(holder))) continue;
    const who = holder === 'unreadable' ? `a lock that cannot be read (${join(dir, name)}; remove it if no fleet run is using ${root}/)` : describeHolder(holder);
    throw new RunRefused(`the journal ${root}/ is in use by another fleet run on overlapping hosts: ${who}. Shards of one K may run together; wait for it to finish`);
  }
}

async function takeLock(root: string, file: string, command: string, note: (message: string) => void): Promise<JournalLock> {
  const me: LockHolder = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString() };
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    if (await createExclusive(file, `${JSON.stringify(me)}\n`)) return { release: () => releaseIfHeld(file, me) };
    const holder = await readHolder(file);
    if (holder === 'gone') continue; // released in the meantime
    if (holder !== 'unreadable') {
      if (!isStale(holder)) throw new RunRefused(`the journal ${root}/ is in use by another fleet run: ${describeHolder(holder)}. Wait for it to finish; if that process is gone, remove ${file}`);
      if (await removeStale(file, holder)) note(`took over a stale lock of ${root}/: ${describeHolder(holder)} is no longer running`);
    }
    // A lock being written or taken over by another run right now settles within moments.
    if (Date.now() > deadline) {
      throw new RunRefused(holder === 'unreadable' ? `the journal lock ${file} cannot be read; if no fleet run is using ${root}/, remove it` : `another fleet run is taking over the stale lock ${file}; if none is, remove ${file}.takeover`);
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}: ${holder.command}`;
}

async function createExclusive(file: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new RunRefused(`cannot create the journal lock ${file}: ${(err as Error).message}`);
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

async function readHolder(file: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return 'unreadable';
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    const valid = Number.isInteger(holder.pid) && holder.pid > 0 && [holder.host, holder.command, holder.startedAt].every((v) => typeof v === 'string');
    return valid ? holder : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}

function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: alive, someone else's
  }
}

/**
 * Remove a stale lock, unless it changed since it was judged stale. A second, exclusive
 * `lock.takeover` file makes "check it is still that lock, then remove it" one step among runs
 * that all found the same stale lock. False when another run is doing it.
 */
async function removeStale(file: string, stale: LockHolder): Promise<boolean> {
  const guard = `${file}.takeover`;
  if (!(await createExclusive(guard, `${process.pid}\n`))) return false;
  try {
    const current = await readHolder(file);
    if (current === 'gone' || current === 'unreadable' || !sameHolder(current, stale)) return false;
    await unlink(file);
    return true;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

async function releaseIfHeld(file: string, me: LockHolder): Promise<void> {
  const current = await readHolder(file);
  if (current !== 'gone' && current !== 'unreadable' && sameHolder(current, me)) await unlink(file).catch(() => undefined);
}
