// The alert rules and the dashboard under templates/monitoring/: promtool accepts the rules and
// passes their tests, and every metric (and finding kind) they use is one fleet's textfile has.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cacheFindings } from '../../src/check/cache-findings.js';
import { formatPrometheus } from '../../src/check/prometheus.js';
import { buildCheckReport } from '../../src/check/report.js';
import type { Finding } from '../../src/core/finding.js';
import type { CacheFacts } from '../../src/facts/cache-host.js';
import { parsePrometheusProxyMetrics } from '../../src/facts/cache-metrics.js';
import { outcomeOf } from '../../src/runner/check.js';
import { cacheSettings, cacheSources, convergedCacheHost, emptyCacheHost } from './builders.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'monitoring');
const rulesFile = path.join(dir, 'fleet-alerts.yml');
const fixtures = path.resolve(dir, '..', '..', 'test', 'fixtures', 'registry-metrics');
const dashboardFile = path.join(dir, 'fleet-dashboard.json');

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.status === 0;
// CI installs promtool (test/lab/install-deps.sh): there a missing promtool is a failure, not a skip.
const mustRunPromtool = process.env.CI === 'true';

function promtoolRun(...args: string[]) {
  const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('alert rules with promtool', () => {
  // Outside CI without promtool this shows as skipped (Debian package prometheus; CI installs it).
  it.runIf(hasPromtool || mustRunPromtool)('pass `promtool check rules` and `promtool test rules`', () => {
    expect(hasPromtool, 'promtool is missing: apt-get install prometheus (test/lab/install-deps.sh)').toBe(true);
    const checked = promtoolRun('check', 'rules', 'fleet-alerts.yml');
    expect(checked.status, checked.output).toBe(0);
    expect(checked.output).toMatch(/SUCCESS: \d+ rules found/);
    const tested = promtoolRun('test', 'rules', 'fleet-alerts.test.yml');
    expect(tested.status, tested.output).toBe(0);
  });

  it('test every alert of the rules file', () => {
    const alerts = ruleGroups().flatMap((g) => g.rules.map((r) => r.alert));
    const tests = parse(readFileSync(path.join(dir, 'fleet-alerts.test.yml'), 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
    const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    expect([...fired].sort()).toEqual([...alerts].sort());
  });

  it('give every alert a duration, a severity, a summary, a description and a runbook hint', () => {
    for (const rule of ruleGroups().flatMap((g) => g.rules)) {
      expect(rule.for, rule.alert).toMatch(/^\d+[mh]$/);
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels.severity);
      expect(Object.keys(rule.annotations).sort(), rule.alert).toEqual(['description', 'runbook', 'summary']);
      expect(rule.annotations.runbook, rule.alert).toContain('section "Alerting and dashboards"');
    }
  });
});

describe('metrics used by the rules and the dashboard', () => {
  // What fleet writes for a fleet in trouble: each kind of cache trouble, a drifted client, an
  // unreachable host, a check that could not complete; and a healthy registry 3 cache's counters.
  const written = parseTextfile(formatPrometheus(sampleReport()));

  const sources = [
    ...ruleGroups().flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert}`, expr: r.expr }))),
    ...dashboardExprs(),
  ];

  it('finds expressions in both files', () => {
    expect(sources.filter((s) => s.where.startsWith('rule')).length).toBeGreaterThanOrEqual(8);
    expect(sources.filter((s) => s.where.startsWith('panel')).length).toBeGreaterThanOrEqual(10);
  });

  it.each(sources.map((s) => [s.where, s.expr]))('%s uses only metrics fleet writes', (_where, expr) => {
    const used = [...expr.matchAll(/\b(fleet_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
    expect(used.length, expr).toBeGreaterThan(0);
    for (const name of used) expect([...written.names], expr).toContain(name);
  });

  it.each(sources.map((s) => [s.where, s.expr]))('%s matches only finding kinds fleet reports', (_where, expr) => {
    for (const match of expr.matchAll(/\bkind=~?"([^"]*)"/g)) {
      for (const kind of match[1]!.split('|')) expect([...written.kinds], expr).toContain(kind);
    }
  });
});

interface Rule { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }

function ruleGroups(): Array<{ name: string; rules: Rule[] }> {
  return (parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups;
}

function dashboardExprs(): Array<{ where: string; expr: string }> {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ name: string; definition?: string }> };
  };
  return [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
    ...dashboard.templating.list.filter((v) => v.definition).map((v) => ({ where: `panel variable $${v.name}`, expr: v.definition! })),
  ];
}

/** Metric names and `kind` label values of a textfile, read from its sample lines. */
function parseTextfile(text: string): { names: Set<string>; kinds: Set<string> } {
  const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
  return {
    names: new Set(samples.map((l) => /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(l)![1]!)),
    kinds: new Set(samples.flatMap((l) => [...l.matchAll(/\bkind="([^"]*)"/g)].map((m) => m[1]!))),
  };
}

function sampleReport() {
  const converged = convergedCacheHost();
  const cache = (facts: CacheFacts): Finding[] => cacheFindings({ settings: cacheSettings, sources: cacheSources, diskWarnPercent: 85, fixCommand: 'fleet apply inv.yml' }, facts);
  const drift: Finding = { kind: 'daemon-json-mirrors', severity: 'drift', subject: 's', expected: 'e', found: 'f', fix: 'x' };
  const outcomes = [
    { host: 'cache-serving', ...outcomeOf(cache(converged)), durationMs: 1 },
    { host: 'cache-stopped', ...outcomeOf(cache({ ...converged, container: { ...converged.container!, status: 'exited' }, registryProbe: { url: 'http://127.0.0.1/v2/', ok: false, detail: 'connection refused' }, dataDiskUsePercent: 93 })), durationMs: 1 },
    { host: 'cache-gone', ...outcomeOf(cache({ ...converged, container: undefined })), durationMs: 1 },
    { host: 'cache-no-docker', ...outcomeOf(cache(emptyCacheHost({ dockerVersion: undefined, dockerError: 'Cannot connect to the Docker daemon' }))), durationMs: 1 },
    { host: 'client-drift', ...outcomeOf([drift]), durationMs: 1 },
    { host: 'client-down', status: 'unreachable' as const, message: 'refused', changes: [], durationMs: 1 },
  ];
  return buildCheckReport({
    runId: 'r', inventory: 'inv.yml', startedAt: new Date(), durationMs: 1, exitCode: 6, outcomes, fix: null,
    cacheStats: new Map([['cache-serving', parsePrometheusProxyMetrics(readFileSync(path.join(fixtures, 'prometheus-3.txt'), 'utf8'))!]]),
    rolesOf: (h) => (h.startsWith('cache') ? ['cache'] : ['client']),
  });
}
