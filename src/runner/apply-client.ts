// The client side of `fleet apply`: the client's runtime gets the inventory's mirrors. Docker:
// daemon.json (and, with mirror_boot_hook, the hook that puts them back at every docker start);
// Podman: a registries.conf.d drop-in; containerd: certs.d/docker.io/hosts.toml.
import type { ClientSettings, Host } from '../inventory/model.js';
import { BOOT_HOOK_FACT_ARGS } from '../modules/boot-hook/files.js';
import { bootHookExpectation } from '../modules/boot-hook/state.js';
import { containerdModule } from '../modules/containerd/module.js';
import { planContainerd } from '../modules/containerd/plan.js';
import { fileMirrors } from '../modules/docker-daemon/daemon-json.js';
import { dockerModule } from '../modules/docker-daemon/module.js';
import { planClient, readDaemonJson } from '../modules/docker-daemon/plan.js';
import { podmanModule } from '../modules/podman/module.js';
import { planPodman } from '../modules/podman/plan.js';
import { convergeClient, runtimeJob } from './client-runtime.js';
import type { ConvergeOptions, PartialOutcome } from './converge.js';
import type { Emit } from './events.js';
import type { HostShell } from './host-shell.js';
import type { Journal } from './journal.js';

export interface ClientRunOptions extends ConvergeOptions {
  readonly restart: boolean;
  readonly runId: string;
}

export function applyClient(host: Host, settings: ClientSettings, shell: HostShell, options: ClientRunOptions, emit: Emit, journal?: Journal): Promise<PartialOutcome> {
  const { mirrors } = settings;
  const jobs = {
    docker: () => {
      const factArgs = { daemonJsonPath: settings.daemonJsonPath, probeMirrors: settings.cacheMirrors, bootHook: BOOT_HOOK_FACT_ARGS };
      const module = dockerModule(factArgs, (facts) => planClient({ ...settings, restart: options.restart, backupSuffix: options.runId, bootHook: bootHookExpectation(settings) }, facts));
      return runtimeJob(module, {
        // Remember what the host had before fleet's first apply, so rollback can put it back.
        beforeWrite: async (facts) => {
          const before = fileMirrors(readDaemonJson(facts));
          await journal?.rememberOrigin(host.name, { mirrors: before ? [...before] : null, daemonJsonPath: settings.daemonJsonPath, runId: options.runId, recordedAt: new Date().toISOString() });
        },
      });
    },
    podman: () => runtimeJob(podmanModule((facts) => planPodman({ mirrors }, facts))),
    containerd: () => runtimeJob(containerdModule((facts) => planContainerd({ mirrors, restart: options.restart, backupSuffix: options.runId }, facts))),
  };
  return convergeClient(host, jobs, shell, { ...options, bootHook: settings.bootHook, runtime: settings.containerRuntime }, emit, journal);
}
