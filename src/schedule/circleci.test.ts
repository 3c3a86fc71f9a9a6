import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gaps, weeklyFirings } from '../../test/unit/cron-fields.js';
import { circleciSchedule } from '../../test/unit/schedule-specs.js';
import { renderCircleci } from './circleci.js';
import type { CircleciSchedule } from './spec.js';

interface Step { [key: string]: { name?: string; command?: string; path?: string; fingerprints?: string[] } | undefined }

function config(spec: CircleciSchedule) {
  const { files } = renderCircleci(spec, undefined);
  expect(files.map((f) => f.name)).toEqual(['config.yml']);
  return parse(files[0]?.content ?? '') as {
    version: number;
    jobs: Record<string, { docker: Array<{ image: string }>; steps: Array<string | Step> }>;
    workflows: Record<string, { triggers: Array<{ schedule: { cron: string; filters: { branches: { only: string[] } } } }>; jobs: unknown[] }>;
  };
}

function runStep(steps: Array<string | Step>, name: string): string {
  const step = steps.find((s) => typeof s === 'object' && s.run?.name === name) as Step | undefined;
  expect(step, name).toBeDefined();
  return step?.run?.command ?? '';
}

describe('CircleCI config', () => {
  it('a 2.1 config: checkout, SSH key, npm ci, fleet check, report stored, then the verdict', () => {
    const c = config(circleciSchedule({ sshFingerprints: ['SHA256:NPj4IcXxqQEKGXOghi/QbG2sohoNfvZ30JwCcdSSNM0'] }));
    expect(c.version).toBe(2.1);
    const job = c.jobs['fleet-check'];
    expect(job?.docker[0]?.image).toMatch(/^cimg\/node:2[02]\./);
    const steps = job?.steps ?? [];
    const kinds = steps.map((s) => (typeof s === 'string' ? s : Object.keys(s)[0]));
    expect(kinds).toEqual(['checkout', 'add_ssh_keys', 'run', 'run', 'store_artifacts', 'run']);
    expect((steps[1] as Step).add_ssh_keys?.fingerprints).toEqual(['SHA256:NPj4IcXxqQEKGXOghi/QbG2sohoNfvZ30JwCcdSSNM0']);
    expect(runStep(steps, 'Install fleet')).toBe('npm ci --no-audit --no-fund');
    expect(runStep(steps, 'fleet check')).toContain('npx --no -- fleet check inventories/prod.yml --known-hosts inventories/known_hosts --json > fleet-check.json');
    expect((steps[4] as Step).store_artifacts).toEqual({ path: 'fleet-check.json' });
  });

  it('loads every project key when no fingerprint is given', () => {
    expect(config(circleciSchedule()).jobs['fleet-check']?.steps[1]).toBe('add_ssh_keys');
  });

  it('a scheduled workflow on the branch, in UTC, firing exactly every interval, with the context', () => {
    const c = config(circleciSchedule({ branch: 'release/1.x', context: 'fleet prod' }));
    const workflow = c.workflows['fleet-check'];
    const schedule = workflow?.triggers[0]?.schedule;
    expect(schedule?.filters.branches.only).toEqual(['release/1.x']);
    expect(new Set(gaps(weeklyFirings(schedule?.cron ?? '')))).toEqual(new Set([360]));
    expect(workflow?.jobs).toEqual([{ 'fleet-check': { context: ['fleet prod'] } }]);
    expect(config(circleciSchedule()).workflows['fleet-check']?.jobs).toEqual(['fleet-check']);
  });

  it('mentions schedule triggers (scheduled pipelines), the newer way', () => {
    expect(renderCircleci(circleciSchedule(), undefined).files[0]?.content).toMatch(/schedule triggers \(formerly "scheduled pipelines"/);
  });

  it('its shell steps run: arguments reach fleet intact, the report is kept, the verdict is the exit status', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleet-circleci-'));
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'npx'), '#!/bin/sh\nprintf \'%s\\n\' "$@" > args\necho \'{"summary":{}}\'\nexit 6\n');
    chmodSync(path.join(bin, 'npx'), 0o755);
    const steps = config(circleciSchedule({ run: { command: 'check', inventories: ["inv/it's prod.yml"], knownHosts: 'known hosts', limit: '!nomad-*' } })).jobs['fleet-check']?.steps ?? [];
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    // CircleCI runs steps with `/bin/bash -eo pipefail`.
    const check = spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', runStep(steps, 'fleet check')], { cwd: dir, env, encoding: 'utf8' });
    expect(check.status).toBe(0);
    expect(readFileSync(path.join(dir, 'args'), 'utf8')).toBe(['--no', '--', 'fleet', 'check', "inv/it's prod.yml", '--limit', '!nomad-*', '--known-hosts', 'known hosts', '--json', ''].join('\n'));
    expect(readFileSync(path.join(dir, 'fleet-check.json'), 'utf8')).toBe('{"summary":{}}\n');
    const verdict = spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', runStep(steps, 'Fail on drift or unreachable hosts')], { cwd: dir, env, encoding: 'utf8' });
    expect(verdict.status).toBe(6);
    expect(verdict.stdout).toContain('drift, and hosts unreachable or failed');
  });

  it('with --command apply: a fleet apply step, its report and run journal kept, the verdict from apply\'s exit codes', () => {
    const spec = circleciSchedule({ name: 'fleet-apply', run: { command: 'apply', inventories: ['inventories/prod.yml'], knownHosts: 'inventories/known_hosts' } });
    const c = config(spec);
    const steps = c.jobs['fleet-apply']?.steps ?? [];
    expect(steps.map((s) => (typeof s === 'string' ? s : Object.keys(s)[0]))).toEqual(['checkout', 'add_ssh_keys', 'run', 'run', 'store_artifacts', 'store_artifacts', 'run']);
    expect(runStep(steps, 'fleet apply')).toContain('npx --no -- fleet apply inventories/prod.yml --known-hosts inventories/known_hosts --json > fleet-apply.json');
    expect((steps[5] as Step).store_artifacts).toEqual({ path: '.fleet' });
    const dir = mkdtempSync(path.join(tmpdir(), 'fleet-circleci-apply-'));
    for (const [rc, says] of [[0, 'every host ok or changed'], [4, 'hosts failed or unreachable, or the run failed'], [1, 'fleet apply failed with exit status 1']] as const) {
      writeFileSync(path.join(dir, 'fleet-apply.exit'), `${rc}\n`);
      const verdict = spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', runStep(steps, 'Fail on failed or unreachable hosts')], { cwd: dir, encoding: 'utf8' });
      expect(verdict.status).toBe(rc);
      expect(verdict.stdout).toContain(says);
    }
    expect(renderCircleci(spec, undefined).files[0]?.content).toMatch(/^# CircleCI: fleet apply \(scheduled convergence\) of inventories\/prod.yml/);
  });
});
