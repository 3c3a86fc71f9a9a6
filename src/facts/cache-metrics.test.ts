import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSh } from '../../test/unit/sh.js';
import { stubPath } from '../../test/unit/stubs.js';
import { FACTS_PRELUDE, parseKeyValues } from './key-values.js';
import { cacheMetricsScript, parseCacheMetrics, parseExpvarProxyMetrics, parsePrometheusProxyMetrics } from './cache-metrics.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/registry-metrics/', import.meta.url));
const expvar = readFileSync(join(fixtures, 'expvar-2.8.2.json'), 'utf8');
const prometheus = readFileSync(join(fixtures, 'prometheus-3.txt'), 'utf8');
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('registry proxy counters', () => {
  it('takes the manifest counters of registry 2.8 (expvar), not its blob counters', () => {
    // measured: one pull fetched upstream, one answered from disk; 2.8 counts no blob miss
    expect(parseExpvarProxyMetrics(expvar)).toEqual({ requests: { manifest: { hit: 1, miss: 1 } } });
  });

  it('takes every counter of registry 3 (Prometheus text), hits as requests minus misses', () => {
    expect(parsePrometheusProxyMetrics(prometheus)).toEqual({
      requests: { manifest: { hit: 4, miss: 1 }, blob: { hit: 9, miss: 3 } },
      bytes: { upstream: 1_100_001_624, served: 4_400_008_120 },
    });
  });

  it.each([
    ['not JSON', '<html>'],
    ['no proxy map', '{"registry":{"cache":{}}}'],
    ['a counter of the wrong type', expvar.replace('"Misses":1', '"Misses":"1"')],
    ['a negative counter', expvar.replace('"Requests":2', '"Requests":-2')],
  ])('refuses expvar with %s', (_why, text) => {
    expect(parseExpvarProxyMetrics(text)).toBeUndefined();
  });

  it.each([
    ['no proxy series', 'go_goroutines 23\n'],
    ['a counter missing for one type', prometheus.replace(/^registry_proxy_misses_total\{type="blob"\}.*$/m, '')],
    ['a value that is no number', prometheus.replace('{type="manifest"} 5', '{type="manifest"} five')],
  ])('refuses Prometheus text with %s', (_why, text) => {
    expect(parsePrometheusProxyMetrics(text)).toBeUndefined();
  });

  it('prefers Prometheus, falls back to expvar, and says why when neither answers', () => {
    const kv = (entries: Record<string, string>) => new Map(Object.entries(entries));
    const both = kv({ 'metrics.vars.rc': '0', 'metrics.vars': b64(expvar), 'metrics.prom.rc': '0', 'metrics.prom': b64(prometheus) });
    expect(parseCacheMetrics(both)).toMatchObject({ ok: true, stats: { bytes: { upstream: 1_100_001_624 } } });
    const v2 = kv({ 'metrics.vars.rc': '0', 'metrics.vars': b64(expvar), 'metrics.prom.rc': '0', 'metrics.prom': b64('go_goroutines 3\n') });
    expect(parseCacheMetrics(v2)).toEqual({ ok: true, stats: { requests: { manifest: { hit: 1, miss: 1 } } } });
    const refused = kv({ 'metrics.vars.rc': '7', 'metrics.vars': b64('curl: (7) Failed to connect to 127.0.0.1 port 5001\n'), 'metrics.prom.rc': '7', 'metrics.prom': '' });
    expect(parseCacheMetrics(refused)).toMatchObject({ ok: false, detail: expect.stringMatching(/no answer on 127\.0\.0\.1:5001 .*exit 7: curl: \(7\) Failed to connect/) });
    expect(parseCacheMetrics(kv({ 'metrics.error': 'the registry container is not running' }))).toEqual({ ok: false, detail: 'the registry container is not running' });
  });
});

describe('the metrics script (real /bin/sh, stub docker, nsenter and curl)', () => {
  function run(dockerPid: string) {
    const bin = stubPath(['base64', 'head', 'tr', 'cat'], {
      docker: `printf '%s\\n' '${dockerPid}'`,
      // nsenter runs its command as given: the stub records its arguments
      nsenter: 'echo "$@" >> "$NSENTER_LOG"; shift 3; exec "$@"',
      curl: `case "$*" in *debug/vars*) cat ${join(fixtures, 'expvar-2.8.2.json')} ;; *) echo 'go_goroutines 1' ;; esac`,
    });
    const log = join(bin, 'nsenter.log');
    const result = runSh({ script: `${FACTS_PRELUDE}\n${cacheMetricsScript()}` }, { PATH: bin, NSENTER_LOG: log });
    let calls = '';
    try {
      calls = readFileSync(log, 'utf8');
    } catch {
      // no call
    }
    return { kv: parseKeyValues(result.stdout), calls };
  }

  it("enters the container's network namespace by its PID and reads both endpoints", () => {
    const { kv, calls } = run('4242');
    expect(calls).toBe('-t 4242 -n curl -sS -f --max-time 5 http://127.0.0.1:5001/debug/vars\n-t 4242 -n curl -sS -f --max-time 5 http://127.0.0.1:5001/metrics\n');
    expect(parseCacheMetrics(kv)).toEqual({ ok: true, stats: { requests: { manifest: { hit: 1, miss: 1 } } } });
  });

  it.each(['0', '', '12; touch /tmp/fleet-pwned', '$(id)'])('enters nothing for a PID of %j from docker', (pid) => {
    const { kv, calls } = run(pid);
    expect(calls).toBe('');
    expect(parseCacheMetrics(kv)).toEqual({ ok: false, detail: 'the registry container is not running' });
  });
});
