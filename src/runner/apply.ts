// `fleet apply`: the cache hosts first, then every client. One engine for --check and for real.
import type { HostOutcome } from '../core/outcome.js';
import { recapOf } from '../core/outcome.js';
import type { Host, Inventory } from '../inventory/model.js';
import type { Transport } from '../transports/transport.js';
import { applyClient } from './apply-client.js';
import type { Emit } from './events.js';
import { Journal, newRunId } from './journal.js';
import { runOnHosts } from './run-hosts.js';

export interface ApplyOptions {
  /** Hosts selected by --limit (already resolved), in inventory order. */
  readonly hosts: readonly Host[];
  readonly check: boolean;
  readonly diff: boolean;
  readonly restart: boolean;
  readonly forks: number;
  readonly journalDir: string;
  /** Options as given, for the journal (never secrets). */
  readonly recordedOptions: Readonly<Record<string, unknown>>;
}

export interface RunResult {
  readonly runId: string;
  readonly outcomes: readonly HostOutcome[];
}

export async function runApply(inventory: Inventory, options: ApplyOptions, transport: Transport, emit: Emit): Promise<RunResult> {
  const started = Date.now();
  const runId = newRunId();
  const selected = new Set(options.hosts.map((h) => h.name));
  const clients = inventory.clients.filter((h) => selected.has(h.name));
  const journal = await Journal.start(options.journalDir, {
    runId,
    command: 'apply',
    check: options.check,
    inventory: inventory.file,
    options: options.recordedOptions,
  });
  emit({ type: 'run-start', runId, command: 'apply', check: options.check, inventory: inventory.file, hosts: [...selected] });

  emit({ type: 'phase', name: 'clients', hosts: clients.map((h) => h.name) });
  const clientOptions = { check: options.check, diff: options.diff, restart: options.restart, runId };
  const outcomes = await runOnHosts(clients, options.forks, transport, emit, (host, shell) =>
    applyClient(host, inventory.clientSettings(host), shell, clientOptions, emit, options.check ? undefined : journal),
  );

  const recap = recapOf(outcomes);
  await journal.finish(outcomes, recap);
  emit({ type: 'run-done', runId, recap, outcomes, durationMs: Date.now() - started, journal: journal.dir });
  return { runId, outcomes };
}
