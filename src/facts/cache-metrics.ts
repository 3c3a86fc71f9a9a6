// The pull-through cache's own counters, read from the registry's debug endpoint. The endpoint
// listens on the loopback of the container's network namespace only (no published port, see
// DEBUG_ADDR), so the facts script enters that namespace (`nsenter -t PID -n`, PID from
// `docker inspect`) and runs the host's own curl or wget there. What it answers is only parsed
// here, never run. Registry 2.8 serves the counters as expvar JSON (/debug/vars), registry 3 as
// Prometheus text (/metrics); both are fetched, and Prometheus wins when it has them.
//
// Counter names, from distribution's registry/proxy/proxymetrics.go:
// - expvar `registry.proxy.blobs` and `.manifests`: Requests, Hits, Misses, BytesPulled,
//   BytesPushed;
// - Prometheus `registry_proxy_{requests,hits,misses,pulled_bytes,pushed_bytes}_total{type}`,
//   type "blob" or "manifest" (go-metrics namespace "registry", subsystem "proxy"; registry 3).
// Registry 2.8 has only the expvar counters, and counts blobs wrongly (measured with 2.8.2): a
// blob fetched from upstream is no miss and no bytes pulled, but two requests and two hits (the
// copy to the client and the copy to its disk). Its manifest counters are right. So from 2.8
// fleet takes the manifest counters only; blobs and bytes come from registry 3.
import { sh } from '../core/command.js';
import { CONTAINER_NAME, DEBUG_ADDR, DEBUG_METRICS_PATH } from './cache-layout.js';
import { fromBase64 } from './key-values.js';

export interface HitMiss {
  /** Answered from the cache's disk: requests answered minus misses. */
  readonly hit: number;
  /** Fetched from upstream first. A manifest miss is a Docker Hub pull. */
  readonly miss: number;
}

/** Counters since the registry process started (they restart at 0 with the container). */
export interface CacheStats {
  readonly requests: { readonly manifest: HitMiss; readonly blob?: HitMiss };
  /** Bytes fetched from upstream, and served to clients (blobs and manifests); registry 3 only. */
  readonly bytes?: { readonly upstream: number; readonly served: number };
}

export type CacheStatsRead = { readonly ok: true; readonly stats: CacheStats } | { readonly ok: false; readonly detail: string };

const TIMEOUT_S = 5;
/** Bound on what is kept of an answer: the counters are in the first few kB. */
const MAX_BYTES = 1_000_000;
const URLS = { vars: `http://${DEBUG_ADDR}/debug/vars`, prom: `http://${DEBUG_ADDR}${DEBUG_METRICS_PATH}` } as const;

/** Shell lines for a facts script (after FACTS_PRELUDE): emit `metrics.*` keys. */
export function cacheMetricsScript(): string {
  return `debugget() {
  if command -v curl >/dev/null 2>&1; then B=$(nsenter -t "$P" -n curl -sS -f --max-time ${TIMEOUT_S} "$2" 2>&1); RC=$?
  else B=$(nsenter -t "$P" -n wget -q -O - -T ${TIMEOUT_S} "$2" 2>&1); RC=$?; fi
  emit "metrics.$1.rc" "$RC"
  emit "metrics.$1" "$(printf '%s' "$B" | head -c ${MAX_BYTES} | b64)"
}
P=$(docker inspect -f '{{.State.Pid}}' ${CONTAINER_NAME} 2>/dev/null)
case "$P" in
  ''|0|*[!0-9]*) emit metrics.error 'the registry container is not running' ;;
  *) if ! command -v nsenter >/dev/null 2>&1; then emit metrics.error 'nsenter (util-linux) is not installed'
     elif ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1; then emit metrics.error 'the host has neither curl nor wget'
     else ${sh`debugget vars ${URLS.vars}`}; ${sh`debugget prom ${URLS.prom}`}
     fi ;;
esac`;
}

/** The counters from the `metrics.*` keys of the facts output. */
export function parseCacheMetrics(kv: ReadonlyMap<string, string>): CacheStatsRead {
  const error = kv.get('metrics.error');
  if (error) return { ok: false, detail: error };
  const answer = (id: 'vars' | 'prom') => (kv.get(`metrics.${id}.rc`) === '0' ? fromBase64(kv.get(`metrics.${id}`) ?? '') : undefined);
  const fromProm = parsePrometheusProxyMetrics(answer('prom') ?? '');
  if (fromProm) return { ok: true, stats: fromProm };
  const fromVars = parseExpvarProxyMetrics(answer('vars') ?? '');
  if (fromVars) return { ok: true, stats: fromVars };
  const rc = kv.get('metrics.vars.rc');
  if (rc === undefined) return { ok: false, detail: 'not read' };
  if (rc !== '0') return { ok: false, detail: `no answer on ${DEBUG_ADDR} in the container (exit ${rc}: ${firstLine(fromBase64(kv.get('metrics.vars') ?? ''))}); the debug endpoint is off until \`fleet apply\` recreates the container` };
  return { ok: false, detail: `${URLS.vars} and ${URLS.prom} have no proxy counters (is the registry a pull-through cache?)` };
}

interface RawCounters { requests: number; misses: number; pulled: number; pushed: number }

const hitMiss = (c: RawCounters): HitMiss => ({ hit: Math.max(c.requests - c.misses, 0), miss: c.misses });

/** expvar JSON: the manifest counters (see above why not the blob ones); undefined when absent. */
export function parseExpvarProxyMetrics(text: string): CacheStats | undefined {
  let vars: unknown;
  try {
    vars = JSON.parse(text);
  } catch {
    return undefined;
  }
  const proxy = field(field(vars, 'registry'), 'proxy');
  const counters = (m: unknown): RawCounters | undefined => {
    const [requests, misses, pulled, pushed] = ['Requests', 'Misses', 'BytesPulled', 'BytesPushed'].map((k) => field(m, k));
    return [requests, misses, pulled, pushed].every(isCount) ? { requests, misses, pulled, pushed } as RawCounters : undefined;
  };
  const manifest = counters(field(proxy, 'manifests'));
  return manifest ? { requests: { manifest: hitMiss(manifest) } } : undefined;
}

const PROM_NAMES: Record<string, keyof RawCounters> = {
  registry_proxy_requests_total: 'requests',
  registry_proxy_misses_total: 'misses',
  registry_proxy_pulled_bytes_total: 'pulled',
  registry_proxy_pushed_bytes_total: 'pushed',
};

/** Prometheus text (registry 3): undefined unless every counter is there for both types. */
export function parsePrometheusProxyMetrics(text: string): CacheStats | undefined {
  const found: Record<'blob' | 'manifest', Partial<RawCounters>> = { blob: {}, manifest: {} };
  for (const line of text.split('\n')) {
    const m = /^(registry_proxy_\w+)\{([^}]*)\}\s+(\S+)/.exec(line);
    const counter = m && PROM_NAMES[m[1]!];
    const type = m && /(?:^|,)\s*type="(blob|manifest)"/.exec(m[2]!)?.[1];
    const value = m ? Number(m[3]) : NaN;
    if (counter && type && isCount(value)) found[type as 'blob' | 'manifest'][counter] = value;
  }
  const complete = (c: Partial<RawCounters>): c is RawCounters => Object.values(PROM_NAMES).every((k) => c[k] !== undefined);
  if (!complete(found.blob) || !complete(found.manifest)) return undefined;
  const { blob, manifest } = found;
  return {
    requests: { manifest: hitMiss(manifest), blob: hitMiss(blob) },
    bytes: { upstream: blob.pulled + manifest.pulled, served: blob.pushed + manifest.pushed },
  };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? 'no output';
  return line.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
