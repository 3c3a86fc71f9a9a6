import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CronJob, type ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { kubeletExpand } from '../../test/unit/kubelet-expand.js';
import { gaps, weeklyFirings } from '../../test/unit/cron-fields.js';
import { kubernetesSchedule } from '../../test/unit/schedule-specs.js';
import { renderKubernetes } from './kubernetes.js';
import type { KubernetesSchedule } from './spec.js';

interface Rendered {
  inventory: IConfigMap;
  knownHosts: IConfigMap;
  cronJob: ICronJob;
  text: string;
}

/** Render, parse every document as kubectl would, and validate each against the API schema. */
function render(spec: KubernetesSchedule): Rendered {
  const { files } = renderKubernetes(spec, undefined);
  expect(files.map((f) => f.name)).toEqual([`${spec.name}.yaml`]);
  const text = files[0]?.content ?? '';
  const docs = parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as { kind: string };
  });
  expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'ConfigMap', 'CronJob']);
  const [inventory, knownHosts, cronJob] = docs as [IConfigMap, IConfigMap, ICronJob];
  new ConfigMap(inventory).validate();
  new ConfigMap(knownHosts).validate();
  new CronJob(cronJob).validate();
  // The template as the Job the controller creates from it.
  new Job({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `${spec.name}-29000000` }, spec: cronJob.spec?.jobTemplate.spec }).validate();
  return { inventory, knownHosts, cronJob, text };
}

function podOf(r: Rendered) {
  const pod = r.cronJob.spec?.jobTemplate.spec?.template.spec;
  expect(pod).toBeDefined();
  return pod!;
}

function containerOf(r: Rendered) {
  const c = podOf(r).containers[0];
  expect(c?.name).toBe('fleet');
  return c!;
}

/** Run the container's command as the pod would: kubelet's $(VAR) expansion, then exec; `fleet` prints its argv. */
function runContainer(r: Rendered, env: Record<string, string>) {
  const bin = mkdtempSync(path.join(tmpdir(), 'fleet-k8s-pod-'));
  writeFileSync(path.join(bin, 'fleet'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
  chmodSync(path.join(bin, 'fleet'), 0o755);
  const podEnv = { PATH: `${bin}:/usr/bin:/bin`, HOME: '/home/fleet', ...env };
  const c = containerOf(r);
  const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a) => kubeletExpand(a, podEnv));
  const p = spawnSync(argv[0] as string, argv.slice(1), { env: podEnv, encoding: 'utf8' });
  return { status: p.status, argv: p.stdout.split('\n').slice(0, -1), stderr: p.stderr };
}

describe('Kubernetes CronJob', () => {
  it('validates against the API schema: two ConfigMaps and a CronJob running fleet check with --json', () => {
    const r = render(kubernetesSchedule());
    expect(r.inventory.metadata?.name).toBe('fleet-check-inventory');
    expect(r.inventory.data).toEqual({ 'prod.yml': kubernetesSchedule().inventoryFiles[0]?.content });
    expect(r.knownHosts.data?.['known_hosts']).toBe(kubernetesSchedule().knownHosts);
    expect(r.cronJob.metadata?.name).toBe('fleet-check');
    const c = containerOf(r);
    expect(c.image).toBe('registry.example.com/fleet:0.1.0');
    expect(c.command).toEqual(['fleet']);
    expect(c.args).toEqual(['check', '/etc/fleet/inventory/prod.yml', '--known-hosts', '/etc/fleet/known-hosts/known_hosts', '--json']);
    expect(r.cronJob.spec?.jobTemplate.spec?.completionMode).toBeUndefined();
  });

  it('runs every interval in UTC, never two runs at once, bounded by the interval', () => {
    const r = render(kubernetesSchedule({ everySeconds: 3600 }));
    const spec = r.cronJob.spec!;
    expect(spec.concurrencyPolicy).toBe('Forbid');
    expect(spec.timeZone).toBe('Etc/UTC');
    expect(new Set(gaps(weeklyFirings(spec.schedule)))).toEqual(new Set([60]));
    expect(spec.startingDeadlineSeconds).toBeGreaterThanOrEqual(10);
    expect(spec.startingDeadlineSeconds).toBeLessThan(3600);
    expect(spec.jobTemplate.spec?.activeDeadlineSeconds).toBe(3600);
    expect(spec.jobTemplate.spec?.backoffLimit).toBe(2);
    expect(() => renderKubernetes(kubernetesSchedule({ everySeconds: 7 * 60 }), undefined)).toThrow(/7m/);
  });

  it("fleet's verdicts fail the Job at once (no retry of a drift report); evictions are not counted", () => {
    const check = render(kubernetesSchedule()).cronJob.spec?.jobTemplate.spec?.podFailurePolicy?.rules ?? [];
    expect(check[0]).toEqual({ action: 'FailJob', onExitCodes: { containerName: 'fleet', operator: 'In', values: [1, 2, 4, 6] } });
    expect(check[1]).toEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] });
    const apply = render(kubernetesSchedule({ run: { ...kubernetesSchedule().run, command: 'apply' } })).cronJob.spec?.jobTemplate.spec?.podFailurePolicy?.rules ?? [];
    expect(apply[0]?.onExitCodes?.values).toEqual([1, 4]);
  });

  it('runs as a non-root user with a read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    const r = render(kubernetesSchedule());
    const pod = podOf(r);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(containerOf(r).securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.restartPolicy).toBe('Never');
    // Writable: only emptyDirs (the working directory for apply's journal, and /tmp).
    const volumes = new Map(pod.volumes?.map((v) => [v.name, v]));
    const writable = containerOf(r).volumeMounts?.filter((m) => !m.readOnly) ?? [];
    expect(writable.map((m) => [m.mountPath, volumes.get(m.name)?.emptyDir !== undefined])).toEqual([['/var/lib/fleet', true], ['/tmp', true]]);
    expect(containerOf(r).workingDir).toBe('/var/lib/fleet');
  });

  it('the SSH key comes from a Secret as ~/.ssh/id_ed25519 with mode 0400; known_hosts and the inventory from ConfigMaps', () => {
    const r = render(kubernetesSchedule());
    const pod = podOf(r);
    const volumes = new Map(pod.volumes?.map((v) => [v.name, v]));
    const mounts = new Map(containerOf(r).volumeMounts?.map((m) => [m.mountPath, m.name]));
    const key = volumes.get(mounts.get('/home/fleet/.ssh') ?? '')?.secret;
    expect(key).toEqual({ secretName: 'fleet-check-ssh', defaultMode: 0o400, items: [{ key: 'ssh-privatekey', path: 'id_ed25519' }] });
    expect(containerOf(r).env).toContainEqual({ name: 'HOME', value: '/home/fleet' });
    expect(volumes.get(mounts.get('/etc/fleet/known-hosts') ?? '')?.configMap?.name).toBe('fleet-check-known-hosts');
    expect(volumes.get(mounts.get('/etc/fleet/inventory') ?? '')?.configMap?.name).toBe('fleet-check-inventory');
  });

  it('keeps an executable inventory executable in the pod', () => {
    const r = render(kubernetesSchedule({ inventoryFiles: [{ key: 'prod.yml', content: 'all: {}\n', executable: false }, { key: 'nodes.mjs', content: '#!/usr/bin/env node\n', executable: true }] }));
    const items = podOf(r).volumes?.find((v) => v.name === 'inventory')?.configMap?.items;
    expect(items).toEqual([{ key: 'prod.yml', path: 'prod.yml' }, { key: 'nodes.mjs', path: 'nodes.mjs', mode: 0o555 }]);
  });

  it('each variable the inventory reads comes from the env Secret by name; no value is ever rendered', () => {
    const r = render(kubernetesSchedule({ envVars: ['HUB_TOKEN', 'NOMAD_TOKEN'] }));
    expect(containerOf(r).env).toEqual([
      { name: 'HOME', value: '/home/fleet' },
      { name: 'HUB_TOKEN', valueFrom: { secretKeyRef: { name: 'fleet-check-env', key: 'HUB_TOKEN' } } },
      { name: 'NOMAD_TOKEN', valueFrom: { secretKeyRef: { name: 'fleet-check-env', key: 'NOMAD_TOKEN' } } },
    ]);
    expect(r.text).not.toMatch(/kind: Secret/);
  });

  it('passes --limit, --forks and every run flag through, with $(...) and quotes kept literal', () => {
    const hostile = `web-*:!$(HOME);'x' $$ "y"`.replace(/"/g, '');
    const r = render(kubernetesSchedule({ run: { ...kubernetesSchedule().run, limit: hostile, forks: 20 } }));
    const run = runContainer(r, {});
    expect(run.status).toBe(0);
    expect(run.argv).toEqual(['check', '/etc/fleet/inventory/prod.yml', '--limit', hostile, '--forks', '20', '--known-hosts', '/etc/fleet/known-hosts/known_hosts', '--json']);
  });

  it('names, namespace and labels', () => {
    const r = render(kubernetesSchedule({ name: 'drift', namespace: 'ops' }));
    for (const o of [r.inventory, r.knownHosts, r.cronJob]) {
      expect(o.metadata?.namespace).toBe('ops');
      expect(o.metadata?.labels).toEqual({ 'app.kubernetes.io/name': 'fleet', 'app.kubernetes.io/instance': 'drift', 'app.kubernetes.io/component': 'check' });
    }
    expect(podOf(r).volumes?.find((v) => v.name === 'ssh-key')?.secret?.secretName).toBe('drift-ssh');
    expect(r.text).not.toContain('&a'); // no YAML anchors
    const steps = renderKubernetes(kubernetesSchedule({ name: 'drift', namespace: 'ops', envVars: ['HUB_TOKEN'] }), 'k8s').nextSteps.join('\n');
    expect(steps).toContain('kubectl -n ops create secret generic drift-ssh --type=kubernetes.io/ssh-auth --from-file=ssh-privatekey=');
    expect(steps).toContain('kubectl -n ops create secret generic drift-env --from-env-file=drift.env');
    expect(steps).toContain('HUB_TOKEN');
    expect(steps).toContain('kubectl -n ops apply -f k8s/drift.yaml');
  });
});

describe('Kubernetes resources from the benchmark', () => {
  const resources = (hostsPerShard: number, command: 'check' | 'apply' = 'check') =>
    containerOf(render(kubernetesSchedule({ hostsPerShard, run: { ...kubernetesSchedule().run, command } }))).resources;
  const mebibytes = (q: unknown) => Number(String(q).replace(/Mi$/, ''));

  it('memory covers the measured peak RSS and grows with the hosts of a shard; CPU is the measured rate', () => {
    const small = resources(10);
    const large = resources(1000);
    expect(mebibytes(small?.requests?.['memory'])).toBeGreaterThanOrEqual(81);
    expect(mebibytes(large?.requests?.['memory'])).toBeGreaterThanOrEqual(117);
    expect(mebibytes(resources(10_000)?.requests?.['memory'])).toBeGreaterThan(mebibytes(large?.requests?.['memory']));
    expect(mebibytes(large?.limits?.['memory'])).toBe(2 * mebibytes(large?.requests?.['memory']));
    expect(mebibytes(resources(1000, 'apply')?.requests?.['memory'])).toBeGreaterThanOrEqual(122);
    expect(small?.requests?.['cpu']).toBe('200m');
    expect(large?.limits?.['cpu']).toBe('1');
  });

  it('says which figures it used, in a comment beside the resources', () => {
    const { text } = render(kubernetesSchedule({ hostsPerShard: 250, hostsSource: 'given' }));
    expect(text).toMatch(/# Sized from fleet's benchmark \(README "Benchmark", check \(drift\)\), for 250 hosts per shard \(--hosts-per-shard\)/);
    expect(text).toContain('peak RSS 81 MB at 10 hosts, 117 MB at 1000');
    expect(text).toContain('7.5 ms of control-node CPU per host');
  });
});

describe('Kubernetes shards: an Indexed Job', () => {
  const sharded = (shards: number, limit?: string) =>
    render(kubernetesSchedule({ shards, run: { ...kubernetesSchedule().run, ...(limit === undefined ? {} : { limit }) } }));

  it('completions and parallelism K, each index retried on its own', () => {
    const job = sharded(3).cronJob.spec?.jobTemplate.spec;
    expect(job).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 2 });
    expect(job?.backoffLimit).toBeUndefined();
    expect(job?.podFailurePolicy?.rules[0]?.action).toBe('FailIndex');
  });

  it('pod I runs fleet --shard I+1/K, computed by the pod from JOB_COMPLETION_INDEX', () => {
    const limit = `clients:&$(HOME)'"`;
    const r = sharded(4, limit);
    for (const index of [0, 1, 2, 3]) {
      const run = runContainer(r, { JOB_COMPLETION_INDEX: String(index) });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.argv).toEqual(['check', '/etc/fleet/inventory/prod.yml', '--limit', limit, '--known-hosts', '/etc/fleet/known-hosts/known_hosts', '--json', '--shard', `${index + 1}/4`]);
    }
  });

  it('refuses to run without a numeric JOB_COMPLETION_INDEX (not an Indexed Job pod)', () => {
    const r = sharded(2);
    for (const env of [{}, { JOB_COMPLETION_INDEX: '' }, { JOB_COMPLETION_INDEX: '1;id' }, { JOB_COMPLETION_INDEX: '$(id)' }]) {
      const run = runContainer(r, env);
      expect(run.status).toBe(1);
      expect(run.argv).toEqual([]);
      expect(run.stderr).toContain('JOB_COMPLETION_INDEX is not a shard index');
    }
  });
});
