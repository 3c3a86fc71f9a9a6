import { describe, expect, it } from 'vitest';
import { checkExitCode } from '../cli/exit-codes.js';
import { RunRefused } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import { hasDrift, type HostOutcome } from '../core/outcome.js';
import { quote } from '../core/command.js';
import { selectShard, type Shard } from '../inventory/shard.js';
import { outcomeOf } from '../runner/check.js';
import { mergeCheckReports, mergeValues, type ReportFile } from './merge.js';
import { buildCheckReport, type CheckReport } from './report.js';
import { parseCheckReport } from './report-shape.js';

const drift: Finding = { kind: 'daemon-json-mirrors', severity: 'drift', subject: 's', expected: 'e', found: 'f', fix: 'x' };
const error: Finding = { ...drift, kind: 'dockerd-down', severity: 'error' };
const warning: Finding = { ...drift, kind: 'data-disk', severity: 'warning' };
const outcome = (name: string, findings: Finding[]): HostOutcome => ({ host: name, ...outcomeOf(findings), durationMs: 12 });
const unreachable = (name: string): HostOutcome => ({ host: name, status: 'unreachable', message: 'connection refused', changes: [], durationMs: 5 });
const NOW = new Date('2026-11-23T10:10:00Z');

/** A report as `fleet check --json` builds it, for these outcomes. */
function checkReport(outcomes: readonly HostOutcome[], extra: { shard?: Shard; startedAt?: string; inventory?: string; runId?: string } = {}): CheckReport {
  const drifted = outcomes.filter(hasDrift).map((o) => o.host);
  return buildCheckReport({
    runId: extra.runId ?? `run-${extra.shard?.index ?? 0}`,
    inventory: extra.inventory ?? 'inv.yml',
    startedAt: new Date(extra.startedAt ?? '2026-11-23T10:00:00Z'),
    durationMs: 1000,
    exitCode: checkExitCode(outcomes),
    outcomes,
    rolesOf: (h) => (h.startsWith('cache') ? ['cache'] : ['client']),
    fix: drifted.length > 0 ? `fleet apply 'my inv.yml' --limit ${quote(drifted.join(','))}` : null,
    ...(extra.shard ? { shard: extra.shard } : {}),
  });
}

const fleetOutcomes: HostOutcome[] = [
  outcome('cache-1', [warning]),
  ...Array.from({ length: 30 }, (_, i) => (i === 4 ? unreachable(`client-${i}`) : i % 7 === 0 ? outcome(`client-${i}`, [drift]) : i === 9 ? outcome(`client-${i}`, [error]) : outcome(`client-${i}`, []))),
];

function shardReports(count: number, outcomes = fleetOutcomes): ReportFile[] {
  return Array.from({ length: count }, (_, i) => {
    const shard = { index: i + 1, count };
    const slice = selectShard(outcomes.map((o) => ({ ...o, name: o.host })), new Set(['cache-1']), shard);
    return { file: `shard-${i + 1}.json`, report: checkReport(slice, { shard }) };
  });
}

const limited = (fix: string | null) => (fix === null ? null : new Set(/--limit (\S+)$/.exec(fix)![1]!.split(',')));

describe('mergeCheckReports', () => {
  it('merges the shards of a check into the report of one run: hosts, totals, findings, fix and exit code', () => {
    const whole = checkReport(fleetOutcomes);
    const merged = mergeCheckReports(shardReports(3).reverse(), { now: NOW });
    expect(new Set(merged.hosts.map((h) => JSON.stringify(h)))).toEqual(new Set(whole.hosts.map((h) => JSON.stringify(h))));
    expect(merged.hosts).toHaveLength(whole.hosts.length);
    expect(merged.summary).toEqual(whole.summary);
    expect(merged.exitCode).toBe(6);
    expect(merged.fix).toMatch(/^fleet apply 'my inv\.yml' --limit /);
    expect(limited(merged.fix)).toEqual(limited(whole.fix));
    expect(merged).not.toHaveProperty('shard');
    expect(merged.runId).toBe('run-1+run-2+run-3');
    expect(merged.hosts[0]!.host).toBe('cache-1'); // shard order: shard 1 (with the caches) first
    // the result reads back as a report
    expect(parseCheckReport(JSON.stringify(merged), 'merged.json')).toEqual(merged);
  });

  it('ORs the exit bits: drift in one shard and an unreachable host in another make 6', () => {
    const a = { file: 'a.json', report: checkReport([outcome('client-a', [drift])], { shard: { index: 1, count: 2 } }) };
    const b = { file: 'b.json', report: checkReport([unreachable('client-b')], { shard: { index: 2, count: 2 } }) };
    expect([a.report.exitCode, b.report.exitCode]).toEqual([2, 4]);
    expect(mergeCheckReports([a, b], { now: NOW }).exitCode).toBe(6);
    const clean = { file: 'c.json', report: checkReport([outcome('client-c', [])], { shard: { index: 2, count: 2 } }) };
    const merged = mergeCheckReports([a, clean], { now: NOW });
    expect(merged.exitCode).toBe(2);
    expect(merged.fix).toBe("fleet apply 'my inv.yml' --limit client-a");
  });

  it('spans the runs: earliest start, until the last one ended', () => {
    const a = { file: 'a.json', report: checkReport([outcome('x', [])], { shard: { index: 1, count: 2 }, startedAt: '2026-11-23T10:00:00Z' }) };
    const b = { file: 'b.json', report: checkReport([outcome('y', [])], { shard: { index: 2, count: 2 }, startedAt: '2026-11-23T10:00:05Z' }) };
    const merged = mergeCheckReports([b, a], { now: NOW });
    expect(merged.startedAt).toBe('2026-11-23T10:00:00.000Z');
    expect(merged.durationMs).toBe(6000);
    expect(merged.fix).toBeNull();
  });

  it('refuses a missing shard, a shard given twice, shards of two K, and a whole run among shards', () => {
    const [one, two, three] = shardReports(3);
    expect(() => mergeCheckReports([one!, three!], { now: NOW })).toThrow(/shards? 2\/3 missing/);
    expect(() => mergeCheckReports([one!, two!, three!, { ...two!, file: 'again.json' }], { now: NOW })).toThrow(/again\.json: shard 2\/3 is given twice \(also shard-2\.json\)/);
    const [, otherK] = shardReports(2);
    expect(() => mergeCheckReports([one!, two!, three!, otherK!], { now: NOW })).toThrow(/shard-2\.json: shard 2\/2, but shard-1\.json is shard 1\/3/);
    expect(() => mergeCheckReports([one!, { file: 'whole.json', report: checkReport([outcome('z', [])]) }], { now: NOW })).toThrow(/whole\.json: a check of the whole selection/);
  });

  it('refuses reports of different inventories, and a host in two reports, naming the files', () => {
    const a = { file: 'a.json', report: checkReport([outcome('x', [])], { shard: { index: 1, count: 2 } }) };
    const b = { file: 'b.json', report: checkReport([outcome('y', [])], { shard: { index: 2, count: 2 }, inventory: 'other.yml' }) };
    expect(() => mergeCheckReports([a, b], { now: NOW })).toThrow(RunRefused);
    expect(() => mergeCheckReports([a, b], { now: NOW })).toThrow(/b\.json: a check of inventory "other\.yml", but a\.json is of "inv\.yml"/);
    const c = { file: 'c.json', report: checkReport([outcome('x', [])], { shard: { index: 2, count: 2 } }) };
    expect(() => mergeCheckReports([a, c], { now: NOW })).toThrow(/c\.json: host "x" is also in a\.json/);
  });

  it('refuses a run older than --max-age, and takes one within it', () => {
    const [one, two] = shardReports(2);
    const old = { file: 'old.json', report: { ...two!.report, startedAt: '2026-11-23T08:00:00.000Z' } };
    expect(() => mergeCheckReports([one!, old], { now: NOW, maxAgeSeconds: 3600 })).toThrow(/old\.json: its check started at 2026-11-23T08:00:00\.000Z, 130 min ago: older than --max-age \(60 min\)/);
    expect(mergeCheckReports([one!, two!], { now: NOW, maxAgeSeconds: 3600 }).hosts.length).toBeGreaterThan(0);
    expect(mergeCheckReports([one!, old], { now: NOW }).hosts.length).toBeGreaterThan(0);
  });

  it('merges reports without shards (e.g. of --limit runs) in the order given', () => {
    const a = { file: 'a.json', report: checkReport([outcome('x', [drift])]) };
    const b = { file: 'b.json', report: checkReport([outcome('y', [])]) };
    const merged = mergeCheckReports([b, a], { now: NOW });
    expect(merged.hosts.map((h) => h.host)).toEqual(['y', 'x']);
    expect(merged.exitCode).toBe(2);
  });

  it('carries fields it does not know through: per-host ones as they are, counters summed, lists joined', () => {
    const [one, two] = shardReports(2);
    const withExtra = (f: ReportFile, extra: Record<string, unknown>, hostExtra: Record<string, unknown>): ReportFile => ({
      file: f.file,
      report: { ...f.report, ...extra, summary: { ...f.report.summary, cache: { requests: 3 } }, hosts: f.report.hosts.map((h) => ({ ...h, ...hostExtra })) } as CheckReport,
    });
    const merged = mergeCheckReports([withExtra(one!, { caches: [{ host: 'cache-1', hits: 4 }], pulls: 2 }, { cache: { hits: 4 } }), withExtra(two!, { pulls: 5 }, {})], { now: NOW }) as unknown as Record<string, unknown> & CheckReport;
    expect(merged.caches).toEqual([{ host: 'cache-1', hits: 4 }]);
    expect(merged.pulls).toBe(7);
    expect((merged.summary as unknown as { cache: unknown }).cache).toEqual({ requests: 6 });
    expect((merged.hosts.find((h) => h.host === 'cache-1') as unknown as { cache: unknown }).cache).toEqual({ hits: 4 });
  });

  it('mergeValues sums numbers, joins lists, merges objects key by key, keeps the first of anything else', () => {
    expect(mergeValues([1, undefined, 2])).toBe(3);
    expect(mergeValues([{ a: 1, b: { c: 2 } }, { b: { c: 3, d: 'x' } }])).toEqual({ a: 1, b: { c: 5, d: 'x' } });
    expect(mergeValues([['a'], ['b']])).toEqual(['a', 'b']);
    expect(mergeValues(['v1', 'v2'])).toBe('v1');
    expect(mergeValues([undefined])).toBeUndefined();
    // a key only one report has (even `__proto__`, as JSON.parse makes it) is taken from that one alone
    expect(JSON.stringify(mergeValues([JSON.parse('{"__proto__": {"n": 1}}'), { m: 2 }]))).toBe('{"__proto__":{"n":1},"m":2}');
    expect(JSON.stringify(mergeValues([{ m: 2 }, JSON.parse('{"__proto__": {"n": 1}}')]))).toBe('{"m":2,"__proto__":{"n":1}}');
  });
});

describe('parseCheckReport', () => {
  const good = JSON.stringify(checkReport([outcome('x', [drift])], { shard: { index: 1, count: 2 } }), null, 2);
  it('reads a check --json report', () => {
    expect(parseCheckReport(good, 'a.json').hosts[0]!.host).toBe('x');
  });
  it.each([
    ['not json {', /a\.json: not JSON/],
    ['[]', /a\.json: not a fleet check --json report .*not a JSON object/],
    [good.replace('fleet.check/v1', 'fleet.other/v9'), /schema is "fleet\.other\/v9"/],
    [good.replace('"exitCode": 2', '"exitCode": 9'), /exitCode 9 is not a check exit code/],
    [good.replace('"status": "drift"', '"status": "bad"'), /hosts\[0\]: x: status "bad"/],
    [good.replace('"index": 1', '"index": 3'), /shard .* is not/],
    [good.replace('"inSync": 0', '"inSync": "many"'), /summary\.inSync is not a count/],
  ])('refuses %#, naming the file and what is wrong', (text, message) => {
    expect(() => parseCheckReport(text, 'a.json')).toThrow(RunRefused);
    expect(() => parseCheckReport(text, 'a.json')).toThrow(message);
  });
});
