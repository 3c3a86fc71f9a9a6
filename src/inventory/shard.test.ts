import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { parseShard, selectShard, shardOf } from './shard.js';

const names = (n: number, prefix = 'client-') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const hosts = (list: readonly string[]) => list.map((name) => ({ name }));

describe('parseShard', () => {
  it('reads I/K', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
  });
  it.each(['0/3', '4/3', '1/0', '1', '1/2/3', 'a/b', '-1/3', '1.5/3', '', '1/ 3', '1/100000'])('refuses %j with a usage error naming the flag', (text) => {
    expect(() => parseShard(text)).toThrow(UsageError);
    expect(() => parseShard(text)).toThrow(/--shard/);
  });
});

describe('shardOf', () => {
  const all = names(3000);

  it('puts every host in exactly one shard: the slices are disjoint and cover all hosts', () => {
    for (const count of [1, 2, 3, 7]) {
      const slices = Array.from({ length: count }, (_, i) => selectShard(hosts(all), new Set(), { index: i + 1, count }).map((h) => h.name));
      expect(slices.flat().sort()).toEqual([...all].sort());
      expect(new Set(slices.flat()).size).toBe(all.length);
    }
  });

  it('keeps a host in its shard when others come and go', () => {
    const before = new Map(all.map((n) => [n, shardOf(n, 5)]));
    const fewer = all.filter((_, i) => i % 3 !== 0);
    const more = [...fewer, ...names(500, 'new-')];
    for (const n of more) if (before.has(n)) expect(shardOf(n, 5)).toBe(before.get(n));
    // and the shard of a host does not depend on the list it is selected from
    const slice = selectShard(hosts(more), new Set(), { index: 2, count: 5 }).map((h) => h.name);
    expect(slice.filter((n) => before.has(n)).every((n) => before.get(n) === 2)).toBe(true);
  });

  it('spreads hosts roughly evenly', () => {
    for (const count of [2, 3, 10]) {
      const sizes = Array(count).fill(0) as number[];
      for (const n of all) sizes[shardOf(n, count) - 1]! += 1;
      const even = all.length / count;
      for (const size of sizes) expect(Math.abs(size - even) / even).toBeLessThan(0.15);
    }
  });

  it('moves only about 1/(K+1) of the hosts when a shard is added', () => {
    const moved = all.filter((n) => shardOf(n, 4) !== shardOf(n, 3)).length / all.length;
    expect(moved).toBeGreaterThan(0.15);
    expect(moved).toBeLessThan(0.35);
  });
});

describe('selectShard', () => {
  it('gives cache hosts to shard 1 only, whatever their hash, and keeps the order', () => {
    const list = hosts(['cache-1', ...names(50), 'cache-2']);
    const caches = new Set(['cache-1', 'cache-2']);
    const first = selectShard(list, caches, { index: 1, count: 3 }).map((h) => h.name);
    expect(first[0]).toBe('cache-1');
    expect(first[first.length - 1]).toBe('cache-2');
    for (const index of [2, 3]) expect(selectShard(list, caches, { index, count: 3 }).map((h) => h.name)).not.toContain('cache-1');
    const union = [1, 2, 3].flatMap((index) => selectShard(list, caches, { index, count: 3 }).map((h) => h.name));
    expect(union.sort()).toEqual(list.map((h) => h.name).sort());
  });
});
