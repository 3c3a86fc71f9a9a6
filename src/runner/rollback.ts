// `fleet rollback`: clients first (they stop using the mirror), then, with --cache, the cache hosts.
import { isTrouble, recapOf, type HostOutcome } from '../core/outcome.js';
import type { Host, Inventory } from '../inventory/model.js';
import { cacheRemovalModule } from '../modules/registry-cache/module.js';
import type { Transport } from '../transports/transport.js';
import type { RunResult } from './apply.js';
import { ONE_BATCH, type RolloutOptions } from './batches.js';
import { converge, type PartialOutcome } from './converge.js';
import type { BaseRunOptions, Emit } from './events.js';
import type { HostShell } from './host-shell.js';
import { Journal, newRunId } from './journal.js';
import { rollbackClient } from './rollback-client.js';
import { runInBatches } from './rollout.js';
import { runOnHosts, skipAll } from './run-hosts.js';

export interface RollbackOptions extends BaseRunOptions {
  /** Also take the cache down (container, firewall, unit, secrets). */
  readonly cache: boolean;
  /** With cache: delete the cached data too. */
  readonly purgeCache: boolean;
  /** Clients in batches (--serial, --max-fail-percent); default one batch. */
  readonly rollout?: RolloutOptions;
}

export async function runRollback(inventory: Inventory, options: RollbackOptions, transport: Transport, emit: Emit): Promise<RunResult> {
  const started = Date.now();
  const runId = newRunId();
  const selected = new Set(options.hosts.map((h) => h.name));
  const clients = inventory.clients.filter((h) => selected.has(h.name));
  const caches = options.cache ? inventory.caches.filter((h) => selected.has(h.name)) : [];
  const shard = options.shard ? { shard: options.shard } : {};
  const journal = await Journal.start(options.journalDir, { runId, command: 'rollback', check: options.dryRun, inventory: inventory.file, inventories: inventory.sources, options: options.recordedOptions, ...shard });
  emit({ type: 'run-start', runId, command: 'rollback', check: options.dryRun, inventory: inventory.file, hosts: [...clients, ...caches].map((h) => h.name), ...shard });

  const clientOptions = { dryRun: options.dryRun, diff: options.diff, restart: options.restart, runId, journalDir: options.journalDir, settleTimeoutMs: options.settleTimeoutMs };
  const rollout = await runInBatches('clients', clients, options.rollout ?? ONE_BATCH, options.forks, transport, emit, (host, shell) =>
    rollbackClient(host, inventory.clientSettings(host), shell, clientOptions, emit, options.dryRun ? undefined : journal),
  );

  const clientOutcomes = rollout.outcomes;
  const problems = rollout.stopped ? [rollout.stopped] : [];

  emit({ type: 'phase', name: 'cache', hosts: caches.map((h) => h.name) });
  // Clients not rolled back may still use the cache: keep it until they are done.
  const keep = rollout.stopped ? 'the clients rollout was stopped, and clients not rolled back still use this cache' : cacheStillInUse(clientOutcomes);
  if (keep && !rollout.stopped && caches.length > 0) problems.push(keep);
  const cacheOutcomes = keep
    ? skipAll(caches, `not attempted: ${keep}`, emit)
    : await runOnHosts(caches, options.forks, transport, emit, (host, shell) => removeCache(host, inventory, shell, options, emit));

  const outcomes: HostOutcome[] = [...clientOutcomes, ...cacheOutcomes];
  const recap = recapOf(outcomes);
  const unrecorded = await journal.finish(outcomes, recap);
  if (unrecorded) problems.push(unrecorded);
  emit({ type: 'run-done', runId, recap, outcomes, problems, durationMs: Date.now() - started, journal: journal.dir, ...shard });
  return { runId, outcomes, problems };
}

/** Why the cache must stay: clients that failed or were unreachable in this rollback may still use it. */
export function cacheStillInUse(clientOutcomes: readonly HostOutcome[]): string | undefined {
  const left = clientOutcomes.filter(isTrouble).map((o) => o.host);
  if (left.length === 0) return undefined;
  return `cache kept: ${left.join(', ')} ${left.length === 1 ? 'was' : 'were'} not rolled back (failed or unreachable) and may still use it; roll ${left.length === 1 ? 'it' : 'them'} back, then run rollback --cache again`;
}

function removeCache(host: Host, inventory: Inventory, shell: HostShell, options: RollbackOptions, emit: Emit): Promise<PartialOutcome> {
  return converge(host.name, cacheRemovalModule(inventory.cacheSettings(host), options.purgeCache), shell, options, emit);
}
