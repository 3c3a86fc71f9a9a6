import { describe, expect, it } from 'vitest';
import { clientMirrorOrder } from './order.js';

const caches = ['http://10.0.1.1', 'http://10.0.1.2', 'http://10.0.1.3'];
const names = Array.from({ length: 1000 }, (_, i) => `client-${i}.ci.example`);

function firstCounts(mirrors: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) {
    const first = clientMirrorOrder(name, mirrors)[0]!;
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return counts;
}

describe('clientMirrorOrder', () => {
  it('gives every client every cache mirror exactly once, then the fallbacks in their order', () => {
    const order = clientMirrorOrder('client-1', caches, ['https://mirror.gcr.io', 'https://other.example']);
    expect(order.slice(0, 3).sort()).toEqual([...caches].sort());
    expect(order.slice(3)).toEqual(['https://mirror.gcr.io', 'https://other.example']);
  });

  it('is stable: the same client always gets the same order, whatever order the caches are listed in', () => {
    const order = clientMirrorOrder('client-7', caches);
    expect(clientMirrorOrder('client-7', caches)).toEqual(order);
    expect(clientMirrorOrder('client-7', [...caches].reverse())).toEqual(order);
    expect(clientMirrorOrder('client-7', [caches[1]!, caches[2]!, caches[0]!])).toEqual(order);
  });

  it('spreads the first mirror: over 1000 clients each of K caches is first for about 1/K of them', () => {
    for (const k of [2, 3]) {
      const counts = firstCounts(caches.slice(0, k));
      expect(counts.size).toBe(k);
      for (const count of counts.values()) {
        // 1000/K expected; a binomial spread stays well within ±25 % of that.
        expect(count).toBeGreaterThan((1000 / k) * 0.75);
        expect(count).toBeLessThan((1000 / k) * 1.25);
      }
    }
  });

  it('spreads the second place too (no cache is always last)', () => {
    const seconds = new Map<string, number>();
    for (const name of names) {
      const second = clientMirrorOrder(name, caches)[1]!;
      seconds.set(second, (seconds.get(second) ?? 0) + 1);
    }
    for (const cache of caches) expect(seconds.get(cache)).toBeGreaterThan(250);
  });

  it('moves only the clients of a removed cache when a cache goes away', () => {
    const before = new Map(names.map((n) => [n, clientMirrorOrder(n, caches)[0]!]));
    const fewer = caches.slice(0, 2);
    for (const name of names) {
      const first = clientMirrorOrder(name, fewer)[0]!;
      if (before.get(name) !== caches[2]) expect(first).toBe(before.get(name));
    }
  });

  it('drops repeats: a cache listed twice, and a fallback that is also a cache', () => {
    expect(clientMirrorOrder('c', ['http://a', 'http://a'], ['http://a', 'https://f', 'https://f'])).toEqual(['http://a', 'https://f']);
  });

  it('with one cache and no fallback, is that cache', () => {
    expect(clientMirrorOrder('c', ['http://a'])).toEqual(['http://a']);
    expect(clientMirrorOrder('c', [], ['https://f'])).toEqual(['https://f']);
  });
});
