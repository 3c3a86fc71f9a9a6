import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExitCode } from '../cli/exit-codes.js';
import type { Finding } from '../core/finding.js';
import type { HostOutcome } from '../core/outcome.js';
import { outcomeOf } from '../runner/check.js';
import { formatPrometheus, writePrometheusFile } from './prometheus.js';
import { buildCheckReport } from './report.js';

const drift: Finding = { kind: 'daemon-json-mirrors', severity: 'drift', subject: 's', expected: 'e', found: 'f', fix: 'x' };
const error: Finding = { ...drift, kind: 'dockerd-down', severity: 'error' };
const warning: Finding = { ...drift, kind: 'data-disk', severity: 'warning' };
const host = (name: string, findings: Finding[]): HostOutcome => ({ host: name, ...outcomeOf(findings), durationMs: 12 });
const unreachable: HostOutcome = { host: 'c3', status: 'unreachable', message: 'connection refused', changes: [], durationMs: 5 };

describe('check outcome and exit code', () => {
  it('makes a host in-sync, drift or failed from its findings; warnings alone are not drift', () => {
    expect(outcomeOf([]).status).toBe('ok');
    expect(outcomeOf([warning])).toMatchObject({ status: 'ok', message: 'in sync (1 warning(s): data-disk)' });
    expect(outcomeOf([drift]).status).toBe('drift');
    expect(outcomeOf([drift, error]).status).toBe('failed');
  });

  it.each([
    [[host('a', [])], 0],
    [[host('a', []), host('b', [warning])], 0],
    [[host('a', [drift])], 2],
    [[host('a', []), unreachable], 4],
    [[host('a', [error])], 4],
    [[host('a', [drift]), unreachable], 6],
  ] as const)('exit code %#', (outcomes, code) => {
    expect(checkExitCode(outcomes)).toBe(code);
  });
});

describe('check report', () => {
  const report = buildCheckReport({
    runId: 'r1',
    inventory: 'prod "eu".yml',
    startedAt: new Date('2026-11-23T10:00:00Z'),
    durationMs: 1500,
    exitCode: 6,
    outcomes: [host('cache-1', [warning]), host('c1', [drift]), unreachable],
    rolesOf: (h) => (h === 'cache-1' ? ['cache'] : ['client']),
    fix: 'fleet apply inv.yml --limit c1',
  });

  it('summarises hosts and findings', () => {
    expect(report.summary).toEqual({ hosts: 3, inSync: 1, drift: 1, failed: 0, unreachable: 1, findings: { drift: 1, error: 0, warning: 1 } });
    expect(report.hosts.map((h) => h.status)).toEqual(['in-sync', 'drift', 'unreachable']);
    expect(JSON.parse(JSON.stringify(report)).hosts[1].findings[0]).toEqual(drift);
  });

  it('renders Prometheus gauges, escaping labels, with no drift sample for an unreachable host', () => {
    const text = formatPrometheus(report);
    expect(text).toContain('fleet_check_up{inventory="prod \\"eu\\".yml",host="c3",role="client"} 0');
    expect(text).toContain('fleet_check_drift{inventory="prod \\"eu\\".yml",host="c1",role="client"} 1');
    expect(text).toContain('fleet_check_drift{inventory="prod \\"eu\\".yml",host="cache-1",role="cache"} 0');
    expect(text).not.toMatch(/fleet_check_drift\{[^}]*host="c3"/);
    expect(text).toContain('fleet_check_last_run_timestamp_seconds{inventory="prod \\"eu\\".yml"} 1795428000');
    expect(text).toContain('fleet_check_duration_seconds{inventory="prod \\"eu\\".yml"} 1.500');
    expect(text).toContain('fleet_check_exit_code{inventory="prod \\"eu\\".yml"} 6');
    // every sample line is `name{labels} value`, every metric has HELP and TYPE
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) fleet_check_\w+ .+|fleet_check_\w+\{.*\} -?[\d.]+)$/);
  });

  it('renders one fleet_check_finding series per kind of finding on a host, none for a host without findings', () => {
    const twice = buildCheckReport({
      runId: 'r2', inventory: 'inv.yml', startedAt: new Date(0), durationMs: 1, exitCode: 2, fix: null,
      outcomes: [host('cache-1', [warning, drift, { ...drift, subject: 'other' }]), host('c2', [])],
      rolesOf: () => ['cache', 'client'],
    });
    const series = formatPrometheus(twice).split('\n').filter((l) => l.startsWith('fleet_check_finding{'));
    expect(series).toEqual([
      'fleet_check_finding{inventory="inv.yml",host="cache-1",role="cache,client",kind="data-disk",severity="warning"} 1',
      'fleet_check_finding{inventory="inv.yml",host="cache-1",role="cache,client",kind="daemon-json-mirrors",severity="drift"} 2',
    ]);
  });

  it('writes the textfile atomically, leaving no temp file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-prom-'));
    const file = join(dir, 'fleet.prom');
    await writePrometheusFile(file, 'old\n');
    await writePrometheusFile(file, formatPrometheus(report));
    expect(readFileSync(file, 'utf8')).toBe(formatPrometheus(report));
    expect(readdirSync(dir)).toEqual(['fleet.prom']);
    await expect(writePrometheusFile(join(dir, 'missing', 'x.prom'), 'x')).rejects.toThrow(/cannot write --prometheus file .*missing/);
  });
});
