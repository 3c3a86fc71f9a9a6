// The other runtimes' lab hosts, and what the Podman and containerd modules render, proven on
// them: facts read on the host, the plan carried out by fleet's executor, then real pulls of
// busybox through the lab's ready-made mirror. The commands run in the host as root, without SSH
// (mixed-fleet.test.ts runs `fleet apply` itself on these hosts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/core/command.js';
import type { Change } from '../../src/core/change.js';
import { containerdFactsCommand, parseContainerdFacts } from '../../src/facts/containerd.js';
import { parsePodmanFacts, podmanFactsCommand } from '../../src/facts/podman.js';
import { parseRuntimeFacts, runtimeFactsCommand } from '../../src/facts/runtime.js';
import { CONFIG_TOML_PATH, HOSTS_TOML_PATH } from '../../src/modules/containerd/hosts-toml.js';
import { planContainerd, planContainerdRollback, verifyContainerd } from '../../src/modules/containerd/plan.js';
import { planPodman, planPodmanRollback, verifyPodman } from '../../src/modules/podman/plan.js';
import { PODMAN_PATHS } from '../../src/modules/podman/registries-conf.js';
import { detectRuntime } from '../../src/modules/runtime/detect.js';
import { executeChanges } from '../../src/runner/execute-changes.js';
import { HostShell } from '../../src/runner/host-shell.js';
import { hostExec, hostSh, readLab, resetHost } from './lab.js';

const PODMAN = 'client-podman';
const CONTAINERD = 'client-containerd';
const lab = readLab();

async function runOn(host: string, command: Command) {
  const r = await hostExec(host, command.script, typeof command.stdin === 'string' ? command.stdin : command.stdin?.reveal());
  return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** Carry out planned changes in the host with fleet's executor. */
async function execute(host: string, changes: readonly Change[]): Promise<void> {
  const shell = new HostShell({ exec: (command) => runOn(host, command), close: async () => undefined }, false);
  await executeChanges(host, changes, shell, () => {});
}

/** Lines the lab's mirror logged for requests from `address` after `offset` bytes of its log. */
async function mirrorRequestsFrom(address: string, offset: number): Promise<string[]> {
  const log = await hostSh('mirror', `tail -c +${offset + 1} /var/log/registry.log`);
  return log.split('\n').filter((line) => new RegExp(`remoteaddr="?${address.replace(/\./g, '\\.')}:`).test(line));
}

async function mirrorLogSize(): Promise<number> {
  return Number((await hostSh('mirror', 'wc -c < /var/log/registry.log')).trim());
}

async function catalog(): Promise<string[]> {
  return JSON.parse(await hostSh(PODMAN, `curl -fsS ${lab.mirrorUrl}/v2/_catalog`)).repositories;
}

beforeAll(() => resetHost(PODMAN, CONTAINERD), 60_000);
afterAll(() => resetHost(PODMAN, CONTAINERD), 60_000);

describe('runtime detection on the lab', () => {
  it('finds docker, podman (docker answering as Podman) and containerd from what each host runs', async () => {
    const detect = async (host: string) => detectRuntime(parseRuntimeFacts(await runOn(host, runtimeFactsCommand())));
    expect(await detect('client-1')).toMatchObject({ runtime: 'docker', reason: expect.stringMatching(/^dockerd is running/) });
    expect(await detect(PODMAN)).toMatchObject({ runtime: 'podman', reason: expect.stringMatching(/^docker version answers as Podman/) });
    expect(await detect(CONTAINERD)).toMatchObject({ runtime: 'containerd', reason: expect.stringMatching(/^containerd is running without dockerd/) });
  });
});

describe('Podman client', () => {
  const podmanFacts = async () => parsePodmanFacts(await runOn(PODMAN, podmanFactsCommand(PODMAN_PATHS)));

  it('pulls busybox through the mirror with fleet\'s drop-in, podman info shows it, rollback removes it', async () => {
    expect((await hostExec(PODMAN, 'podman pull -q docker.io/library/busybox')).code, 'without a mirror the lab has no way out').not.toBe(0);
    const before = await podmanFacts();
    const plan = planPodman({ mirrors: [lab.mirrorUrl] }, before);
    expect(plan).toMatchObject({ kind: 'change', verify: { mirrors: [{ location: '10.77.0.3', insecure: true }] } });
    if (plan.kind !== 'change') return;
    await execute(PODMAN, plan.changes);

    const offset = await mirrorLogSize();
    const pull = await hostExec(PODMAN, 'podman pull -q docker.io/library/busybox');
    expect(pull, pull.stderr).toMatchObject({ code: 0 });
    expect(await mirrorRequestsFrom(lab.hosts[PODMAN]!.address, offset)).not.toEqual([]);
    expect(await catalog()).toContain('library/busybox');
    const after = await podmanFacts();
    expect(verifyPodman(after, plan.verify)).toBeUndefined();
    expect(planPodman({ mirrors: [lab.mirrorUrl] }, after)).toMatchObject({ kind: 'in-sync' });

    const rollback = planPodmanRollback(after);
    expect(rollback).toMatchObject({ kind: 'change', changes: [{ kind: 'remove-file' }] });
    if (rollback.kind !== 'change') return;
    await execute(PODMAN, rollback.changes);
    const rolledBack = await podmanFacts();
    expect(verifyPodman(rolledBack, rollback.verify)).toBeUndefined();
    expect(rolledBack.dropIns.map((d) => d.name)).toEqual(before.dropIns.map((d) => d.name));
  });
});

describe('containerd client', () => {
  const containerdFacts = async () => parseContainerdFacts(await runOn(CONTAINERD, containerdFactsCommand({ configToml: CONFIG_TOML_PATH, hostsToml: HOSTS_TOML_PATH })));
  const pull = 'ctr --address /run/containerd/containerd.sock images pull --hosts-dir /etc/containerd/certs.d docker.io/library/busybox:latest';
  const spec = { mirrors: [lab.mirrorUrl], restart: false, backupSuffix: 'e2e' };

  it('refuses config.toml without --restart; with it pulls through the mirror, restarts once; rollback needs no restart', async () => {
    const before = await containerdFacts();
    expect(planContainerd(spec, before)).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/needs a restart: run again with --restart/) });
    const plan = planContainerd({ ...spec, restart: true }, before);
    expect(plan).toMatchObject({ kind: 'change', changes: [{ path: HOSTS_TOML_PATH }, { path: CONFIG_TOML_PATH }, { kind: 'restart-unit', unit: 'containerd' }] });
    if (plan.kind !== 'change') return;
    await execute(CONTAINERD, plan.changes);

    const after = await containerdFacts();
    expect(verifyContainerd(after, plan.verify)).toBeUndefined();
    expect(after.pid).not.toBe(before.pid);
    expect(after.configToml.text).toContain(before.configToml.text!); // comments and keys kept
    // containerd parses the edited config: it came back up and reads it.
    expect(await hostSh(CONTAINERD, 'containerd config dump | grep -F config_path')).toMatch(/config_path = "\/etc\/containerd\/certs.d"/);
    const offset = await mirrorLogSize();
    const pulled = await hostExec(CONTAINERD, pull);
    expect(pulled, pulled.stderr).toMatchObject({ code: 0 });
    expect(await mirrorRequestsFrom(lab.hosts[CONTAINERD]!.address, offset)).not.toEqual([]);
    expect(await catalog()).toContain('library/busybox');
    expect(planContainerd(spec, after)).toMatchObject({ kind: 'in-sync' });

    const rollback = planContainerdRollback(after);
    expect(rollback).toMatchObject({ kind: 'change', changes: [{ kind: 'remove-file', path: HOSTS_TOML_PATH }], notes: [expect.stringMatching(/config_path stays/)] });
    if (rollback.kind !== 'change') return;
    await execute(CONTAINERD, rollback.changes);
    const rolledBack = await containerdFacts();
    expect(verifyContainerd(rolledBack, rollback.verify)).toBeUndefined();
    expect(rolledBack.pid).toBe(after.pid);
    await hostSh(CONTAINERD, 'ctr --address /run/containerd/containerd.sock images rm docker.io/library/busybox:latest >/dev/null');
    expect((await hostExec(CONTAINERD, pull)).code, 'without hosts.toml the lab has no way out').not.toBe(0);
  });
});
