// The client side of `fleet rollback`, by the client's runtime. Docker: registry-mirrors back to
// what the host had before fleet's first apply, as recorded in the journal (or removed when nothing
// is recorded), the boot hook removed first when it is fleet's. Podman: fleet's drop-in removed if
// unchanged. containerd: fleet's hosts.toml removed (no restart); config_path stays.
import type { ClientSettings, Host } from '../inventory/model.js';
import { bootHookExpectation } from '../modules/boot-hook/state.js';
import { BOOT_HOOK_FACT_ARGS } from '../modules/boot-hook/files.js';
import { dockerModule } from '../modules/docker-daemon/module.js';
import { planRollback } from '../modules/docker-daemon/rollback-plan.js';
import { containerdModule } from '../modules/containerd/module.js';
import { planContainerdRollback } from '../modules/containerd/plan.js';
import { podmanModule } from '../modules/podman/module.js';
import { planPodmanRollback } from '../modules/podman/plan.js';
import { convergeClient, runtimeJob } from './client-runtime.js';
import type { ConvergeOptions, PartialOutcome } from './converge.js';
import type { Emit } from './events.js';
import type { HostShell } from './host-shell.js';
import { markRolledBack, readHostOrigin, type HostOrigin, type Journal } from './journal.js';

export interface ClientRollbackOptions extends ConvergeOptions {
  readonly restart: boolean;
  readonly runId: string;
  readonly journalDir: string;
}

/**
 * The one daemon.json a rollback reads and writes: the one the journal recorded (fleet's first
 * apply changed that file, and the mirrors recorded are that file's), else the inventory's.
 * When the two differ the operator is told which one is rolled back.
 */
export function rollbackPath(origin: Pick<HostOrigin, 'daemonJsonPath'> | undefined, settings: Pick<ClientSettings, 'daemonJsonPath'>): { path: string; warning?: string } {
  if (!origin || origin.daemonJsonPath === settings.daemonJsonPath) return { path: settings.daemonJsonPath };
  return {
    path: origin.daemonJsonPath,
    warning: `the inventory names ${settings.daemonJsonPath}, but fleet's apply wrote ${origin.daemonJsonPath} (the journal keeps that file's original mirrors): rolling back ${origin.daemonJsonPath}`,
  };
}

export async function rollbackClient(host: Host, settings: ClientSettings, shell: HostShell, options: ClientRollbackOptions, emit: Emit, journal?: Journal): Promise<PartialOutcome> {
  const origin = await readHostOrigin(options.journalDir, host.name);
  const jobs = {
    docker: () => {
      const { path, warning } = rollbackPath(origin, settings);
      const warnings = [...(origin ? [] : ['no journal entry for this host: removing registry-mirrors, as the manual procedure does']), ...(warning ? [warning] : [])];
      const factArgs = { daemonJsonPath: path, probeMirrors: [], bootHook: BOOT_HOOK_FACT_ARGS };
      const module = dockerModule(factArgs, (facts) => planRollback({ daemonJsonPath: path, originalMirrors: origin?.mirrors ?? null, restart: options.restart, backupSuffix: options.runId, bootHook: bootHookExpectation(settings) }, facts));
      const afterSuccess = async () => {
        if (!options.dryRun) await markRolledBack(options.journalDir, host.name);
      };
      return runtimeJob(module, { afterSuccess }, warnings);
    },
    podman: () => runtimeJob(podmanModule(planPodmanRollback)),
    containerd: () => runtimeJob(containerdModule(planContainerdRollback)),
  };
  // The boot hook is only ever docker's: with another runtime there is none to remove.
  return convergeClient(host, jobs, shell, { ...options, bootHook: false, runtime: settings.containerRuntime }, emit, journal);
}
