// `fleet report merge`: the `check --json` reports of the shards of one check, as one report in
// the same shape, so a scheduler alerts on it as on one run. Pure: the reports come in parsed,
// with the file each was read from, for the messages.
//
// Refused (RunRefused naming the file): reports of different inventories, a host in two reports,
// some reports with a shard and some without, shards of different K, a shard missing or given
// twice, and runs that started longer ago than maxAgeSeconds.
import { quote } from '../core/command.js';
import { RunRefused } from '../core/errors.js';
import { hasDrift } from '../core/outcome.js';
import { formatShard } from '../inventory/shard.js';
import type { CheckReport } from './report.js';
import { SCHEMA } from './report.js';

export interface ReportFile {
  readonly file: string;
  readonly report: CheckReport;
}

export interface MergeOptions {
  readonly now: Date;
  /** Refuse a report whose run started longer ago than this; no bound when undefined. */
  readonly maxAgeSeconds?: number;
}

/** Fields merged by their meaning; every other field is merged by mergeValues. */
const KNOWN = new Set(['schema', 'runId', 'inventory', 'shard', 'startedAt', 'durationMs', 'exitCode', 'summary', 'hosts', 'fix']);

export function mergeCheckReports(files: readonly ReportFile[], options: MergeOptions): CheckReport {
  const first = files[0];
  if (!first) throw new RunRefused('report merge: no report given');
  for (const { file, report } of files) {
    if (report.inventory !== first.report.inventory) throw new RunRefused(`${file}: a check of inventory ${JSON.stringify(report.inventory)}, but ${first.file} is of ${JSON.stringify(first.report.inventory)}; merge the shards of one inventory`);
    refuseIfStale(file, report, options);
  }
  const ordered = inShardOrder(files);
  refuseSharedHosts(ordered);

  const reports = ordered.map((f) => f.report);
  const starts = reports.map((r) => Date.parse(r.startedAt));
  const ends = reports.map((r) => Date.parse(r.startedAt) + r.durationMs);
  const hosts = reports.flatMap((r) => r.hosts);
  const extra = Object.fromEntries(
    [...new Set(reports.flatMap((r) => Object.keys(r)))].filter((k) => !KNOWN.has(k)).map((k) => [k, mergeValues(reports.map((r) => ownField(r, k)))]),
  );
  return {
    schema: SCHEMA,
    runId: reports.map((r) => r.runId).join('+'),
    inventory: first.report.inventory,
    startedAt: new Date(Math.min(...starts)).toISOString(),
    durationMs: Math.max(...ends) - Math.min(...starts),
    exitCode: reports.reduce((bits, r) => bits | r.exitCode, 0),
    summary: mergeValues(reports.map((r) => r.summary)) as CheckReport['summary'],
    hosts,
    fix: mergedFix(reports, hosts),
    ...extra,
  };
}

function refuseIfStale(file: string, report: CheckReport, options: MergeOptions): void {
  if (options.maxAgeSeconds === undefined) return;
  const ageSeconds = (options.now.getTime() - Date.parse(report.startedAt)) / 1000;
  if (ageSeconds > options.maxAgeSeconds) {
    throw new RunRefused(`${file}: its check started at ${report.startedAt}, ${Math.round(ageSeconds / 60)} min ago: older than --max-age (${Math.round(options.maxAgeSeconds / 60)} min); that shard did not run, or its report was not refreshed`);
  }
}

/**
 * The reports in shard order, once all of 1..K are there exactly once; in the order given when
 * none carries a shard (reports of --limit runs, say).
 */
function inShardOrder(files: readonly ReportFile[]): ReportFile[] {
  const sharded = files.filter((f) => f.report.shard);
  if (sharded.length === 0) return [...files];
  const whole = files.find((f) => !f.report.shard);
  if (whole) throw new RunRefused(`${whole.file}: a check of the whole selection, while ${sharded[0]!.file} is shard ${formatShard(sharded[0]!.report.shard!)}; merge the reports of one sharded check`);
  const count = sharded[0]!.report.shard!.count;
  const bySlot = new Map<number, ReportFile>();
  for (const f of sharded) {
    const shard = f.report.shard!;
    if (shard.count !== count) throw new RunRefused(`${f.file}: shard ${formatShard(shard)}, but ${sharded[0]!.file} is shard ${formatShard(sharded[0]!.report.shard!)}: the shards of one check all have the same K`);
    const twin = bySlot.get(shard.index);
    if (twin) throw new RunRefused(`${f.file}: shard ${formatShard(shard)} is given twice (also ${twin.file})`);
    bySlot.set(shard.index, f);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !bySlot.has(i));
  if (missing.length > 0) throw new RunRefused(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: ${files.length} report(s) given (${files.map((f) => f.file).join(', ')}); a merge of some shards would pass over their hosts`);
  return [...bySlot.entries()].sort(([a], [b]) => a - b).map(([, f]) => f);
}

function refuseSharedHosts(files: readonly ReportFile[]): void {
  const seen = new Map<string, string>();
  for (const { file, report } of files) {
    for (const { host } of report.hosts) {
      const other = seen.get(host);
      if (other !== undefined) throw new RunRefused(`${file}: host ${JSON.stringify(host)} is also in ${other}; the reports overlap (different --limit, or a dynamic inventory that changed between shards)`);
      seen.set(host, file);
    }
  }
}

/**
 * The apply command for every drifted host, as check writes it: the shards' commands share the
 * inventory arguments (before ` --limit HOSTS`), and the hosts are those of the merged report.
 */
function mergedFix(reports: readonly CheckReport[], hosts: CheckReport['hosts']): string | null {
  const drifted = hosts.filter(hasDrift).map((h) => h.host);
  const prefix = reports.map((r) => (r.fix === null ? undefined : fixPrefix(r.fix))).find((p) => p !== undefined);
  if (drifted.length === 0 || prefix === undefined) return null;
  return `${prefix} --limit ${quote(drifted.join(','))}`;
}

/** `fleet apply ARGS` of `fleet apply ARGS --limit WORD`, WORD being one word as quote() writes it. */
function fixPrefix(fix: string): string | undefined {
  return /^(fleet apply .*) --limit (?:[A-Za-z0-9_@%+=:,./-]+|'(?:[^']|'\\'')*')$/.exec(fix)?.[1];
}

/**
 * Merge a field of several reports that this version does not interpret (counters a newer fleet
 * added, per-cache metrics): numbers are summed, lists joined, objects merged key by key; of other
 * values the first one present is kept.
 */
export function mergeValues(values: readonly unknown[]): unknown {
  const present = values.filter((v) => v !== undefined);
  if (present.length === 0) return undefined;
  if (present.every((v) => typeof v === 'number')) return (present as number[]).reduce((a, b) => a + b, 0);
  if (present.every(Array.isArray)) return (present as unknown[][]).flat();
  if (present.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
    const objects = present as object[];
    const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))];
    return Object.fromEntries(keys.map((k) => [k, mergeValues(objects.map((o) => ownField(o, k)))]));
  }
  return present[0];
}

/** A field the object has itself: a report without `__proto__` must not merge in Object.prototype. */
function ownField(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}
