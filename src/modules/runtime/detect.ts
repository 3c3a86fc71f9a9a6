// Which runtime module configures a client: decided from what the host runs and what answers,
// never from the host's name or a command's name. Pure.
import type { RuntimeFacts } from '../../facts/runtime.js';
import { RUNTIMES, type Runtime } from '../../core/runtime.js';

export { RUNTIMES, type Runtime } from '../../core/runtime.js';

export type Detection =
  | { readonly runtime: Runtime; readonly reason: string }
  | { readonly runtime: 'none'; readonly reason: string };

/** `docker version` run by Podman (podman-docker's wrapper, or a `docker` alias) names Podman. */
export function dockerIsPodman(facts: RuntimeFacts): boolean {
  return /Podman Engine|Emulate Docker CLI using podman/i.test(facts.dockerVersionOutput ?? '');
}

/**
 * The runtime to configure. `override` is the host's `container_runtime` var: it picks among
 * runtimes the host really has (a host with several), and fails clearly when that one is absent.
 */
export function detectRuntime(facts: RuntimeFacts, override?: Runtime): Detection {
  const present = presentRuntimes(facts);
  if (override !== undefined) {
    const found = present.get(override);
    return found !== undefined
      ? { runtime: override, reason: `container_runtime is ${override} (${found})` }
      : { runtime: 'none', reason: `container_runtime is ${override}, but this host has no ${override}${describePresent(present)}` };
  }
  // A running daemon first (Docker hosts run containerd too, as dockerd's backend; a Kubernetes
  // node may have podman installed for debugging), then daemonless Podman, then what is stopped.
  const pick = facts.dockerdRunning ? 'docker'
    : facts.containerdRunning ? 'containerd'
    : present.has('podman') ? 'podman'
    : present.has('docker') ? 'docker'
    : present.has('containerd') ? 'containerd'
    : undefined;
  if (pick === undefined) return { runtime: 'none', reason: 'no container runtime found: no dockerd, podman or containerd on this host' };
  const others = [...present.entries()].filter(([r]) => r !== pick).map(([r, why]) => `${r}: ${why}`);
  return { runtime: pick, reason: `${present.get(pick)}${others.length > 0 ? `; also ${others.join(', ')} (container_runtime picks another)` : ''}` };
}

/** Each runtime the host has, with what shows it. */
function presentRuntimes(facts: RuntimeFacts): Map<Runtime, string> {
  const present = new Map<Runtime, string>();
  if (facts.dockerdRunning) present.set('docker', 'dockerd is running');
  else if (facts.dockerdInstalled) present.set('docker', 'dockerd is installed but not running');
  if (facts.podmanInstalled || dockerIsPodman(facts)) {
    present.set('podman', dockerIsPodman(facts) ? 'docker version answers as Podman (podman-docker)' : 'podman is installed');
  }
  // A containerd that is only dockerd's backend is not a runtime of its own.
  if (facts.containerdRunning && !facts.dockerdRunning) present.set('containerd', 'containerd is running without dockerd');
  else if (facts.containerdInstalled && !facts.dockerdRunning) present.set('containerd', 'containerd is installed but not running');
  return present;
}

function describePresent(present: ReadonlyMap<Runtime, string>): string {
  return present.size === 0 ? ' (none found)' : ` (found: ${[...present.values()].join('; ')})`;
}

export function isRuntime(value: unknown): value is Runtime {
  return typeof value === 'string' && (RUNTIMES as readonly string[]).includes(value);
}
