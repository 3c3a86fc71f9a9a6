// `fleet check --prometheus FILE`: the report as a node_exporter textfile-collector file,
// written atomically so the collector never reads half a file.
import { writeFileAtomic } from '../core/atomic-write.js';
import type { Finding } from '../core/finding.js';
import { hasDrift } from '../core/outcome.js';
import type { CheckReport, CheckHostStatus } from './report.js';

const STATUSES: readonly CheckHostStatus[] = ['in-sync', 'drift', 'failed', 'unreachable'];
const SEVERITIES = ['drift', 'error', 'warning'] as const;

export function formatPrometheus(report: CheckReport): string {
  const out: string[] = [];
  const metric = (name: string, help: string, samples: Array<[Record<string, string>, number]>, type: 'gauge' | 'counter' = 'gauge') => {
    if (samples.length === 0) return; // a family without samples says nothing
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${formatLabels({ inventory: report.inventory, ...labels })} ${formatValue(value)}`);
  };
  const hostLabels = (h: CheckReport['hosts'][number]) => ({ host: h.host, role: h.roles.join(',') });
  const reached = report.hosts.filter((h) => h.status !== 'unreachable');

  metric('fleet_check_up', 'Whether fleet could connect to the host over SSH (1) or not (0).', report.hosts.map((h) => [hostLabels(h), h.status === 'unreachable' ? 0 : 1]));
  metric('fleet_check_drift', 'Whether the host differs from the inventory (1) or not (0); absent for unreachable hosts.', reached.map((h) => [hostLabels(h), hasDrift(h) ? 1 : 0]));
  metric('fleet_check_failed', 'Whether a check could not be completed on the host (1), e.g. dockerd down or daemon.json invalid.', reached.map((h) => [hostLabels(h), h.status === 'failed' ? 1 : 0]));
  metric(
    'fleet_check_findings',
    'Findings on the host, by severity (drift, error, warning).',
    reached.flatMap((h) => SEVERITIES.map((severity): [Record<string, string>, number] => [{ ...hostLabels(h), severity }, h.findings.filter((f) => f.severity === severity).length])),
  );
  // One series per kind of finding on a host (value: how many), so a rule can alert on one kind,
  // e.g. data-disk or registry-unhealthy; the series is gone once the host no longer has it.
  metric(
    'fleet_check_finding',
    'Findings on the host by kind (the kind field of check --json), while the host has any.',
    reached.flatMap((h) => kindsOf(h.findings).map(({ kind, severity, count }): [Record<string, string>, number] => [{ ...hostLabels(h), kind, severity }, count])),
  );
  // The cache's own counters (README "Cache effectiveness"): they restart at 0 with the registry
  // container, which rate() and increase() take as a counter reset.
  const caches = report.hosts.flatMap((h) => (h.cache ? [{ labels: hostLabels(h), stats: h.cache }] : []));
  metric(
    'fleet_cache_requests_total',
    'Requests the pull-through cache answered since its registry started, by kind (manifest, blob) and result (hit: from its disk, miss: fetched upstream; a manifest miss is a Docker Hub pull).',
    caches.flatMap(({ labels, stats }) =>
      (['manifest', 'blob'] as const).flatMap((kind) => {
        const counts = stats.requests[kind];
        return counts ? (['hit', 'miss'] as const).map((result): [Record<string, string>, number] => [{ ...labels, kind, result }, counts[result]]) : [];
      }),
    ),
    'counter',
  );
  metric(
    'fleet_cache_bytes_total',
    'Bytes the pull-through cache fetched from upstream and served to clients since its registry started (registry 3 only).',
    caches.flatMap(({ labels, stats }) => (stats.bytes ? (['upstream', 'served'] as const).map((direction): [Record<string, string>, number] => [{ ...labels, direction }, stats.bytes![direction]]) : [])),
    'counter',
  );
  metric('fleet_check_hosts', 'Hosts checked, by status.', STATUSES.map((status) => [{ status }, report.hosts.filter((h) => h.status === status).length]));
  metric('fleet_check_last_run_timestamp_seconds', 'When the check started, in seconds since the Unix epoch.', [[{}, Date.parse(report.startedAt) / 1000]]);
  metric('fleet_check_duration_seconds', 'How long the check took.', [[{}, report.durationMs / 1000]]);
  metric('fleet_check_exit_code', 'Exit code of the check: 0 in sync, 2 drift, 4 unreachable or failed hosts, 6 both.', [[{}, report.exitCode]]);
  return `${out.join('\n')}\n`;
}

function kindsOf(findings: readonly Finding[]): Array<{ kind: string; severity: string; count: number }> {
  const counts = new Map<string, { kind: string; severity: string; count: number }>();
  for (const f of findings) {
    const key = `${f.kind}\0${f.severity}`;
    const entry = counts.get(key) ?? { kind: f.kind, severity: f.severity, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  return [...counts.values()];
}

function formatLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return `{${pairs.join(',')}}`;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

/** Replace the textfile atomically (see writeFileAtomic), naming the flag in any error. */
export async function writePrometheusFile(file: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (err) {
    throw new Error(`cannot write --prometheus file ${file}: ${(err as Error).message}`);
  }
}
