import { describe, expect, it } from 'vitest';
import type { CacheStats } from '../facts/cache-metrics.js';
import { buildCheckReport } from './report.js';
import { effectivenessLine, formatBytes, hitRatio } from './cache-effectiveness.js';
import { formatPrometheus } from './prometheus.js';

const v3: CacheStats = { requests: { manifest: { hit: 412, miss: 62 }, blob: { hit: 900, miss: 80 } }, bytes: { upstream: 1_100_000_000, served: 12_345_678_901 } };
const v2: CacheStats = { requests: { manifest: { hit: 1, miss: 1 } } };

describe('cache effectiveness', () => {
  it('is the share of manifest requests (Docker Hub pulls) answered from the cache', () => {
    expect(hitRatio(v3)).toBeCloseTo(412 / 474);
    expect(hitRatio({ requests: { manifest: { hit: 0, miss: 0 } } })).toBeUndefined();
  });

  it('says it in one line, with bytes where the registry counts them', () => {
    expect(effectivenessLine(v3)).toBe('hit ratio 87%: 412 Docker Hub pulls avoided, 12.3 GB served, 1.1 GB fetched');
    expect(effectivenessLine(v2)).toBe('hit ratio 50%: 1 Docker Hub pull avoided (registry 2.8 does not count bytes)');
    expect(effectivenessLine({ requests: { manifest: { hit: 0, miss: 0 } } })).toBe('no pulls through the cache since the registry started');
  });

  it('formats bytes in decimal units', () => {
    expect([0, 999, 1000, 1_550_000, 12_345_678_901, 3e15].map(formatBytes)).toEqual(['0 B', '999 B', '1.0 kB', '1.6 MB', '12.3 GB', '3.0 PB']);
  });

  it('goes into the report per cache host and into the textfile as counters with the host labels', () => {
    const outcome = (host: string) => ({ host, status: 'ok' as const, message: 'in sync', changes: [], findings: [], durationMs: 1 });
    const report = buildCheckReport({
      runId: 'r', inventory: 'inv.yml', startedAt: new Date(0), durationMs: 1, exitCode: 0, fix: null,
      outcomes: [outcome('cache-1'), outcome('cache-2'), outcome('client-1')],
      rolesOf: (h) => (h.startsWith('cache') ? ['cache'] : ['client']),
      cacheStats: new Map([['cache-1', v3], ['cache-2', v2]]),
    });
    expect(report.hosts.map((h) => h.cache)).toEqual([v3, v2, undefined]);
    const text = formatPrometheus(report);
    expect(text).toContain('# TYPE fleet_cache_requests_total counter');
    expect(text).toContain('# TYPE fleet_cache_bytes_total counter');
    const lines = text.split('\n').filter((l) => l.startsWith('fleet_cache_'));
    expect(lines).toEqual([
      'fleet_cache_requests_total{inventory="inv.yml",host="cache-1",role="cache",kind="manifest",result="hit"} 412',
      'fleet_cache_requests_total{inventory="inv.yml",host="cache-1",role="cache",kind="manifest",result="miss"} 62',
      'fleet_cache_requests_total{inventory="inv.yml",host="cache-1",role="cache",kind="blob",result="hit"} 900',
      'fleet_cache_requests_total{inventory="inv.yml",host="cache-1",role="cache",kind="blob",result="miss"} 80',
      'fleet_cache_requests_total{inventory="inv.yml",host="cache-2",role="cache",kind="manifest",result="hit"} 1',
      'fleet_cache_requests_total{inventory="inv.yml",host="cache-2",role="cache",kind="manifest",result="miss"} 1',
      'fleet_cache_bytes_total{inventory="inv.yml",host="cache-1",role="cache",direction="upstream"} 1100000000',
      'fleet_cache_bytes_total{inventory="inv.yml",host="cache-1",role="cache",direction="served"} 12345678901',
    ]);
  });
});
