// Reading a `fleet check --json` document back (for `fleet report merge`): parse it and check its
// shape, naming the file and the field that is wrong. Fields this version does not know (added by
// a newer fleet) are kept as they are. Pure.
import { RunRefused } from '../core/errors.js';
import type { CheckHostStatus, CheckReport } from './report.js';
import { SCHEMA } from './report.js';

const STATUSES: readonly CheckHostStatus[] = ['in-sync', 'drift', 'failed', 'unreachable'];
const SEVERITIES = ['drift', 'error', 'warning'];

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

/** The report in `text`, or RunRefused naming `file` and what is wrong with it. */
export function parseCheckReport(text: string, file: string): CheckReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RunRefused(`${file}: not JSON (${(err as Error).message}); give the output of fleet check --json`);
  }
  const problem = shapeProblem(value);
  if (problem) throw new RunRefused(`${file}: not a fleet check --json report (${SCHEMA}): ${problem}`);
  return value as CheckReport;
}

/** The first thing wrong with a report's shape, or undefined when it is one. */
export function shapeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'the document is not a JSON object';
  if (value.schema !== SCHEMA) return `schema is ${JSON.stringify(value.schema)}, not "${SCHEMA}"`;
  for (const field of ['runId', 'inventory', 'startedAt']) if (typeof value[field] !== 'string') return `${field} is not a string`;
  if (Number.isNaN(Date.parse(value.startedAt as string))) return `startedAt ${JSON.stringify(value.startedAt)} is not a time`;
  if (!isCount(value.durationMs)) return 'durationMs is not a whole number of milliseconds';
  if (!isCount(value.exitCode) || (value.exitCode as number) > 7) return `exitCode ${JSON.stringify(value.exitCode)} is not a check exit code (0 to 7)`;
  if (value.fix !== null && typeof value.fix !== 'string') return 'fix is neither a string nor null';
  if (value.shard !== undefined) {
    const shard = value.shard;
    if (!isObject(shard) || !Number.isInteger(shard.index) || !Number.isInteger(shard.count) || (shard.index as number) < 1 || (shard.index as number) > (shard.count as number)) return `shard ${JSON.stringify(shard)} is not {"index": I, "count": K} with 1 <= I <= K`;
  }
  const summary = value.summary;
  if (!isObject(summary)) return 'summary is not an object';
  for (const field of ['hosts', 'inSync', 'drift', 'failed', 'unreachable']) if (!isCount(summary[field])) return `summary.${field} is not a count`;
  if (!isObject(summary.findings) || !SEVERITIES.every((s) => isCount((summary.findings as Json)[s]))) return 'summary.findings is not a count per severity (drift, error, warning)';
  if (!Array.isArray(value.hosts)) return 'hosts is not an array';
  for (const [i, host] of value.hosts.entries()) {
    const problem = hostProblem(host);
    if (problem) return `hosts[${i}]: ${problem}`;
  }
  return undefined;
}

function hostProblem(host: unknown): string | undefined {
  if (!isObject(host)) return 'not an object';
  if (typeof host.host !== 'string' || host.host === '') return 'host is not a name';
  if (!Array.isArray(host.roles) || !host.roles.every((r) => r === 'cache' || r === 'client')) return `${host.host}: roles is not a list of cache, client`;
  if (!STATUSES.includes(host.status as CheckHostStatus)) return `${host.host}: status ${JSON.stringify(host.status)} is not one of ${STATUSES.join(', ')}`;
  if (typeof host.message !== 'string') return `${host.host}: message is not a string`;
  if (!Array.isArray(host.findings)) return `${host.host}: findings is not an array`;
  for (const f of host.findings) {
    if (!isObject(f) || typeof f.kind !== 'string' || !SEVERITIES.includes(f.severity as string)) return `${host.host}: a finding without a kind or a severity (drift, error, warning)`;
  }
  return undefined;
}
