// The client side of `fleet apply`: daemon.json gets the inventory's mirrors (and, with
// mirror_boot_hook, the hook that puts them back at every docker start).
import type { ClientSettings, Host } from '../inventory/model.js';
import { bootHookExpectation } from '../modules/boot-hook/state.js';
import { fileMirrors } from '../modules/docker-daemon/daemon-json.js';
import { planClient, readDaemonJson } from '../modules/docker-daemon/plan.js';
import { convergeClient, type ConvergeOptions, type PartialOutcome } from './converge-client.js';
import type { Emit } from './events.js';
import type { HostShell } from './host-shell.js';
import type { Journal } from './journal.js';

export interface ClientRunOptions extends ConvergeOptions {
  readonly restart: boolean;
  readonly runId: string;
}

export function applyClient(host: Host, settings: ClientSettings, shell: HostShell, options: ClientRunOptions, emit: Emit, journal?: Journal): Promise<PartialOutcome> {
  return convergeClient(
    host,
    {
      daemonJsonPath: settings.daemonJsonPath,
      probeMirrors: settings.cacheMirrors,
      plan: (facts) => planClient({ ...settings, restart: options.restart, backupSuffix: options.runId, bootHook: bootHookExpectation(settings) }, facts),
      // Remember what the host had before fleet's first apply, so rollback can put it back.
      beforeWrite: async (facts) => {
        const mirrors = fileMirrors(readDaemonJson(facts));
        await journal?.rememberOrigin(host.name, { mirrors: mirrors ? [...mirrors] : null, daemonJsonPath: settings.daemonJsonPath, runId: options.runId, recordedAt: new Date().toISOString() });
      },
    },
    shell,
    options,
    emit,
    journal,
  );
}
