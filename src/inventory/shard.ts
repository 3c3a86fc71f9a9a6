// --shard I/K: split the selected hosts into K stable slices, so K control nodes (or K pods of an
// Indexed Job) each work on one. A client's shard is chosen by rendezvous hashing over the shard
// numbers: it depends only on the host's name and K, so a host keeps its shard when others come
// and go, and when K grows by one only about 1/(K+1) of the hosts move. Cache hosts belong to
// shard 1 only: the other shards must not converge (or race on) the cache. Pure.
import { createHash } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import type { Host } from './model.js';

export interface Shard {
  /** 1-based: 1..count. */
  readonly index: number;
  readonly count: number;
}

/** More shards than this is a typo, not a fleet: each one is a whole control node or pod. */
export const MAX_SHARDS = 1000;

/** Parse `I/K` (e.g. `2/3`), or throw a UsageError naming the flag and what is accepted. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const match = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} ${JSON.stringify(text)}: write I/K, this run's shard I of K shards, e.g. 1/3 (whole numbers, 1 <= I <= K)`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS) throw new UsageError(`${flag} ${text}: K (the number of shards) must be between 1 and ${MAX_SHARDS}`);
  if (index < 1 || index > count) throw new UsageError(`${flag} ${text}: I must be between 1 and K (${count})`);
  return { index, count };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The shard (1..count) a host name belongs to: the shard number that scores highest with it. */
export function shardOf(hostName: string, count: number): number {
  let best = 1;
  let bestScore = -1n;
  for (let shard = 1; shard <= count; shard++) {
    const score = createHash('sha256').update(`${shard}\0${hostName}`, 'utf8').digest().readBigUInt64BE(0);
    if (score > bestScore) {
      best = shard;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The hosts of `shard` among `hosts` (already narrowed by --limit), in their order: cache hosts
 * in shard 1 only (a host that is both cache and client included), every other host by shardOf.
 */
export function selectShard<H extends Pick<Host, 'name'>>(hosts: readonly H[], cacheNames: ReadonlySet<string>, shard: Shard): H[] {
  return hosts.filter((h) => (cacheNames.has(h.name) ? shard.index === 1 : shardOf(h.name, shard.count) === shard.index));
}
