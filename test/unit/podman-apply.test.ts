// `fleet apply` on a Podman client through the fake transport: the runtime is found from what the
// host runs, Podman's own facts are read next, fleet's drop-in is written and verified with
// `podman info`, and a verification that fails puts the host back.
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/core/command.js';
import type { Host } from '../../src/inventory/model.js';
import { fleetDropInMirrors, FLEET_DROP_IN, FLEET_DROP_IN_PATH } from '../../src/modules/podman/registries-conf.js';
import { applyClient } from '../../src/runner/apply-client.js';
import type { RunEvent } from '../../src/runner/events.js';
import { HostShell } from '../../src/runner/host-shell.js';
import { b64, combinedOutput, factsOutput, FakeTransport, stdinText, type Rule } from './fake-transport.js';

const host: Host = { name: 'client-p', groups: ['clients'], vars: {}, ssh: { name: 'client-p', address: '10.0.0.12', port: 22, user: 'u' }, become: false };
const PODMAN_RUNTIME = { dockerd: 'no', 'docker.version': b64('Emulate Docker CLI using podman.\nClient:       Podman Engine\n'), podman: 'yes', containerd: 'no' };

/** A Podman host: fleet's drop-in as state; `podman info` resolves what the drop-in says unless `overridden`. */
function podmanHost(overridden = false) {
  const state: { dropIn?: string } = {};
  const facts = () => {
    const mirrors = overridden ? [] : (state.dropIn ? fleetDropInMirrors(state.dropIn) ?? [] : []);
    const registries = mirrors.length > 0 ? { 'docker.io': { Location: 'docker.io', Mirrors: mirrors.map((m) => ({ Location: m.location, Insecure: m.insecure })) } } : {};
    return factsOutput({
      'conf.stat': 'absent', 'user.stat': 'absent', podman: 'yes', 'podman.version': '4.3.1', 'podman.registries': b64(JSON.stringify(registries)),
      ...(state.dropIn ? { 'dropin.0.name': b64(FLEET_DROP_IN), 'dropin.0.stat': '644 0 0 regular file', 'dropin.0.content': b64(state.dropIn) } : {}),
    });
  };
  const rules: Rule[] = [
    { match: 'detect the container runtime + read facts', reply: combinedOutput({ runtime: PODMAN_RUNTIME, docker: {} }) },
    { match: 'read podman facts', reply: facts },
    { match: `write ${FLEET_DROP_IN_PATH}`, reply: (c: Command) => ((state.dropIn = stdinText(c)), {}) },
    { match: `remove ${FLEET_DROP_IN_PATH}`, reply: () => (delete state.dropIn, {}) },
  ];
  return { state, rules };
}

async function apply(rules: Rule[], bootHook = false) {
  const transport = new FakeTransport({ 'client-p': rules });
  const shell = new HostShell(await transport.connect(host.ssh), false);
  const events: RunEvent[] = [];
  const options = { dryRun: false, diff: false, restart: false, runId: 'run1', settleTimeoutMs: 2_000 };
  const outcome = await applyClient(host, { daemonJsonPath: '/etc/docker/daemon.json', mirrors: ['http://10.0.0.5'], cacheMirrors: ['http://10.0.0.5'], bootHook }, shell, options, (e) => events.push(e));
  return { outcome, events, labels: transport.host('client-p').labels() };
}

describe('apply on a Podman client', () => {
  it('writes fleet\'s drop-in and verifies it with podman info; the outcome names the runtime', async () => {
    const fake = podmanHost();
    const { outcome, labels } = await apply(fake.rules);
    expect(outcome).toMatchObject({ status: 'changed', runtime: 'podman', message: `Docker Hub mirrors now ["10.0.0.5 (insecure)"] (${FLEET_DROP_IN_PATH})` });
    expect(labels).toEqual(['detect the container runtime + read facts', 'read podman facts', `write ${FLEET_DROP_IN_PATH}`, 'read podman facts']);
    expect(fake.state.dropIn).toContain('location = "10.0.0.5"');
  });

  it('podman info not showing the mirrors after the write: the drop-in is removed again, failed and restored', async () => {
    const fake = podmanHost(true);
    const { outcome } = await apply(fake.rules);
    expect(outcome).toMatchObject({ status: 'failed', restored: true, runtime: 'podman' });
    expect(outcome.message).toMatch(/^verification failed: podman info shows Docker Hub mirrors \[\], expected \["10.0.0.5 \(insecure\)"\]; previous .*zz-fleet-mirrors.conf restored$/);
    expect(fake.state.dropIn).toBeUndefined();
  });

  it('mirror_boot_hook on a Podman client: said to be not needed, no hook, no failure', async () => {
    const { outcome, events } = await apply(podmanHost().rules, true);
    expect(outcome.status).toBe('changed');
    expect(events).toContainEqual(expect.objectContaining({ type: 'warning', message: expect.stringMatching(/^mirror_boot_hook is not needed with podman/) }));
  });
});
