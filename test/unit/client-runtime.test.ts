// Picking a client's runtime module through the fake transport: from what the host runs, with
// container_runtime as override; a Docker client costs one round trip, another runtime two.
import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/inventory/model.js';
import type { Runtime } from '../../src/core/runtime.js';
import { containerdModule } from '../../src/modules/containerd/module.js';
import { dockerModule } from '../../src/modules/docker-daemon/module.js';
import { podmanModule } from '../../src/modules/podman/module.js';
import { BOOT_HOOK_FACT_ARGS } from '../../src/modules/boot-hook/files.js';
import { detectClientRuntime, runtimeJob } from '../../src/runner/client-runtime.js';
import { HostShell } from '../../src/runner/host-shell.js';
import { b64, combinedOutput, DOCKER_RUNTIME, FakeTransport, type Rule } from './fake-transport.js';

const host = (vars: Record<string, unknown> = {}): Host => ({ name: 'client-9', groups: ['clients'], vars, ssh: { name: 'client-9', address: '10.0.0.9', port: 22, user: 'u' }, become: false });
const PODMAN_RUNTIME = { dockerd: 'no', 'docker.version': b64('Client:       Podman Engine\nVersion:      4.3.1\n'), podman: 'yes', containerd: 'no' };
const NOTHING = { dockerd: 'no', podman: 'no', containerd: 'no' };

const jobs = {
  docker: () => runtimeJob(dockerModule({ daemonJsonPath: '/etc/docker/daemon.json', probeMirrors: [], bootHook: BOOT_HOOK_FACT_ARGS }, () => ({ kind: 'in-sync', reason: '-' }))),
  podman: () => runtimeJob(podmanModule(() => ({ kind: 'in-sync', reason: '-' }))),
  containerd: () => runtimeJob(containerdModule(() => ({ kind: 'in-sync', reason: '-' }))),
};

async function detect(rules: Rule[], vars?: Record<string, unknown>) {
  const transport = new FakeTransport({ 'client-9': rules });
  const shell = new HostShell(await transport.connect(host().ssh), false);
  const override = vars?.container_runtime as Runtime | undefined;
  const detected = await detectClientRuntime(shell, jobs, override);
  return { detected, labels: transport.host('client-9').labels() };
}

describe('the client runtime', () => {
  it('a Docker client: the runtime probe and the Docker facts in one round trip', async () => {
    const { detected, labels } = await detect([{ match: /./, reply: combinedOutput({ runtime: DOCKER_RUNTIME, docker: { 'dockerd.pid': '123' } }) }]);
    expect(detected).toMatchObject({ runtime: 'docker', reason: expect.stringMatching(/^dockerd is running/), facts: { exitCode: 0, stdout: 'dockerd.pid=123\n' } });
    expect(labels).toEqual(['detect the container runtime + read facts']);
  });

  it('`docker` answering as Podman picks the Podman module, whose facts are read next (not the Docker ones)', async () => {
    const { detected } = await detect([{ match: /./, reply: combinedOutput({ runtime: PODMAN_RUNTIME, docker: {} }) }]);
    expect(detected).toMatchObject({ runtime: 'podman', reason: expect.stringMatching(/answers as Podman/) });
    expect(detected.runtime === 'podman' && detected.job.module.name).toBe('podman');
    expect(detected).not.toHaveProperty('facts');
  });

  it('container_runtime picks the module and its facts come with the probe; a runtime the host lacks fails, naming what it has', async () => {
    const { detected, labels } = await detect([{ match: /./, reply: combinedOutput({ runtime: { ...PODMAN_RUNTIME, containerd: 'yes', 'containerd.pid': '77' }, containerd: { containerd: 'yes' } }) }], { container_runtime: 'containerd' });
    expect(detected).toMatchObject({ runtime: 'containerd', reason: 'container_runtime is containerd (containerd is running without dockerd)', facts: { stdout: 'containerd=yes\n' } });
    expect(labels).toEqual(['detect the container runtime + read containerd facts']);
    const missing = await detect([{ match: /./, reply: combinedOutput({ runtime: PODMAN_RUNTIME, docker: {} }) }], { container_runtime: 'docker' });
    expect(missing.detected).toEqual({ runtime: 'none', reason: expect.stringMatching(/^container_runtime is docker, but this host has no docker \(found: docker version answers as Podman/) });
  });

  it('a host with no runtime at all: the reason says what was looked for', async () => {
    const { detected } = await detect([{ match: /./, reply: combinedOutput({ runtime: NOTHING, docker: {} }) }]);
    expect(detected).toEqual({ runtime: 'none', reason: 'no container runtime found: no dockerd, podman or containerd on this host' });
  });
});
