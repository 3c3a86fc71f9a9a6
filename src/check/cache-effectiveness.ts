// What the cache is worth, from its proxy counters: the line `fleet check` prints for a cache
// host, e.g. "hit ratio 87%: 412 Docker Hub pulls avoided, 12.3 GB served, 1.1 GB fetched". Pure.
import type { CacheStats } from '../facts/cache-metrics.js';

/**
 * Share of manifest requests answered from the cache, undefined before the first one. A manifest
 * GET is what Docker Hub counts as a pull, so this is the share of pulls kept off Docker Hub.
 */
export function hitRatio(stats: CacheStats): number | undefined {
  const { hit, miss } = stats.requests.manifest;
  return hit + miss > 0 ? hit / (hit + miss) : undefined;
}

export function effectivenessLine(stats: CacheStats): string {
  const ratio = hitRatio(stats);
  if (ratio === undefined) return 'no pulls through the cache since the registry started';
  const avoided = stats.requests.manifest.hit;
  const bytes = stats.bytes ? `, ${formatBytes(stats.bytes.served)} served, ${formatBytes(stats.bytes.upstream)} fetched` : ' (registry 2.8 does not count bytes)';
  return `hit ratio ${Math.round(ratio * 100)}%: ${avoided} Docker Hub pull${avoided === 1 ? '' : 's'} avoided${bytes}`;
}

/** Decimal units, as disks and network links are sold: 12.3 GB is 12.3e9 bytes. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
