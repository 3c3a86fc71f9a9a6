import { describe, expect, it } from 'vitest';
import { runSh } from '../../../test/unit/sh.js';
import { stubPath } from '../../../test/unit/stubs.js';
import { parseRuntimeFacts, runtimeFactsCommand, type RuntimeFacts } from '../../facts/runtime.js';
import { detectRuntime, dockerIsPodman, isRuntime } from './detect.js';

// `docker version` as printed by Debian's docker.io 20.10 and through podman-docker (Podman 4.3).
const DOCKER_VERSION = 'Client:\n Version:           20.10.24+dfsg1\n API version:       1.41\n\nServer:\n Engine:\n  Version:          20.10.24+dfsg1\n';
const PODMAN_DOCKER_VERSION = 'Emulate Docker CLI using podman. Create /etc/containers/nodocker to quiet msg.\nClient:       Podman Engine\nVersion:      4.3.1\nAPI Version:  4.3.1\n';

const NOTHING: RuntimeFacts = { dockerdInstalled: false, dockerdRunning: false, podmanInstalled: false, containerdInstalled: false, containerdRunning: false };

/** Run the real facts script with stub commands, then parse it. */
function gather(commands: Record<string, string>): RuntimeFacts {
  const path = stubPath(['base64', 'head', 'tr'], { pidof: 'exit 1', pgrep: 'exit 1', ...commands });
  return parseRuntimeFacts(runSh(runtimeFactsCommand(), { ...process.env, PATH: path }));
}

describe('runtime facts', () => {
  it('reads a Docker host: dockerd runs (and its containerd); docker version is not asked, dockerd decides', () => {
    // A docker command that would fail the check if run: every check of every client would pay for it.
    const facts = gather({ dockerd: 'exit 0', containerd: 'exit 0', docker: 'echo ran docker version; exit 1', pidof: 'case "$2" in dockerd) echo 10 ;; containerd) echo 11 ;; *) exit 1 ;; esac' });
    expect(facts).toEqual({ dockerdInstalled: true, dockerdRunning: true, podmanInstalled: false, containerdInstalled: true, containerdRunning: true });
    expect(detectRuntime(facts)).toEqual({ runtime: 'docker', reason: 'dockerd is running' });
  });

  it('asks docker version when no dockerd runs: a stopped Docker still answers as Docker', () => {
    const facts = gather({ dockerd: 'exit 0', docker: `printf '${DOCKER_VERSION.replace(/\n/g, '\\n')}'` });
    expect(facts).toEqual({ dockerdInstalled: true, dockerdRunning: false, dockerVersionOutput: DOCKER_VERSION, podmanInstalled: false, containerdInstalled: false, containerdRunning: false });
  });

  it('reads a Podman host whose docker command is podman-docker\'s wrapper (stderr included)', () => {
    const facts = gather({ podman: 'exit 0', docker: 'echo "Emulate Docker CLI using podman. Create /etc/containers/nodocker to quiet msg." >&2; echo "Client:       Podman Engine"' });
    expect(facts).toMatchObject({ dockerdRunning: false, podmanInstalled: true, dockerVersionOutput: expect.stringContaining('Podman Engine') });
    expect(detectRuntime(facts)).toEqual({ runtime: 'podman', reason: 'docker version answers as Podman (podman-docker)' });
  });
});

describe('detectRuntime', () => {
  it('finds Podman from what answers, even with no podman on the PATH (a docker alias)', () => {
    expect(dockerIsPodman({ ...NOTHING, dockerVersionOutput: PODMAN_DOCKER_VERSION })).toBe(true);
    expect(dockerIsPodman({ ...NOTHING, dockerVersionOutput: DOCKER_VERSION })).toBe(false);
    expect(detectRuntime({ ...NOTHING, dockerVersionOutput: PODMAN_DOCKER_VERSION })).toMatchObject({ runtime: 'podman' });
  });

  it('a docker command alone is not Docker: docker talking to nothing, no dockerd', () => {
    expect(detectRuntime({ ...NOTHING, dockerVersionOutput: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' })).toEqual({ runtime: 'none', reason: expect.stringMatching(/no container runtime found/) });
  });

  it('takes a standalone containerd over an installed podman, and says so', () => {
    const facts = { ...NOTHING, dockerdInstalled: true, podmanInstalled: true, containerdInstalled: true, containerdRunning: true };
    expect(detectRuntime(facts)).toEqual({ runtime: 'containerd', reason: 'containerd is running without dockerd; also docker: dockerd is installed but not running, podman: podman is installed (container_runtime picks another)' });
  });

  it('on a host with dockerd stopped and nothing else, is docker (whose module says dockerd is down)', () => {
    expect(detectRuntime({ ...NOTHING, dockerdInstalled: true, containerdInstalled: true })).toMatchObject({ runtime: 'docker', reason: expect.stringMatching(/^dockerd is installed but not running/) });
  });

  it('follows container_runtime among the runtimes present, and fails clearly on an absent one', () => {
    const both = { ...NOTHING, podmanInstalled: true, containerdInstalled: true, containerdRunning: true };
    expect(detectRuntime(both, 'podman')).toEqual({ runtime: 'podman', reason: 'container_runtime is podman (podman is installed)' });
    expect(detectRuntime(both, 'docker')).toEqual({ runtime: 'none', reason: 'container_runtime is docker, but this host has no docker (found: podman is installed; containerd is running without dockerd)' });
    expect(detectRuntime(NOTHING, 'containerd')).toEqual({ runtime: 'none', reason: 'container_runtime is containerd, but this host has no containerd (none found)' });
  });

  it('isRuntime accepts the three runtimes only (for the container_runtime var)', () => {
    expect(['docker', 'podman', 'containerd'].every(isRuntime)).toBe(true);
    expect(isRuntime('none')).toBe(false);
    expect(isRuntime('rkt')).toBe(false);
  });
});
