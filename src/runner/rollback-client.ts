// The client side of `fleet rollback`: registry-mirrors back to what the host had before fleet's
// first apply, as recorded in the journal (or removed when nothing is recorded); the boot hook
// removed first when it is fleet's.
import type { ClientSettings, Host } from '../inventory/model.js';
import { bootHookExpectation } from '../modules/boot-hook/state.js';
import { BOOT_HOOK_FACT_ARGS } from '../modules/boot-hook/files.js';
import { dockerModule } from '../modules/docker-daemon/module.js';
import { planRollback } from '../modules/docker-daemon/rollback-plan.js';
import { converge, type ConvergeOptions, type PartialOutcome } from './converge.js';
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
  if (!origin) emit({ type: 'warning', host: host.name, message: 'no journal entry for this host: removing registry-mirrors, as the manual procedure does' });
  const { path, warning } = rollbackPath(origin, settings);
  if (warning) emit({ type: 'warning', host: host.name, message: warning });
  const factArgs = { daemonJsonPath: path, probeMirrors: [], bootHook: BOOT_HOOK_FACT_ARGS };
  const module = dockerModule(factArgs, (facts) => planRollback({ daemonJsonPath: path, originalMirrors: origin?.mirrors ?? null, restart: options.restart, backupSuffix: options.runId, bootHook: bootHookExpectation(settings) }, facts));
  return converge(host.name, module, shell, options, emit, {
    journal,
    afterSuccess: async () => {
      if (!options.dryRun) await markRolledBack(options.journalDir, host.name);
    },
  });
}
