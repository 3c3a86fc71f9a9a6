// `fleet apply`: the cache hosts first, then a health gate, then every client (in batches with
// --serial), then (optionally) a pull through the mirror. One engine for --check and for real.
import type { HostOutcome } from '../core/outcome.js';
import { isTrouble, recapOf } from '../core/outcome.js';
import type { Host, Inventory } from '../inventory/model.js';
import type { Transport } from '../transports/transport.js';
import { allowSources } from './allow-sources.js';
import { applyCache } from './apply-cache.js';
import { applyClient } from './apply-client.js';
import { ONE_BATCH, type RolloutOptions } from './batches.js';
import type { BaseRunOptions, Emit } from './events.js';
import { Journal, newRunId } from './journal.js';
import { GATE_CONNECTS, verifyPull, waitForMirrors } from './mirror-probe.js';
import { runInBatches } from './rollout.js';
import { runOnHosts, skipAll } from './run-hosts.js';

/**
 * How long shards 2..K wait for the mirror to answer: shard 1 runs at the same time and may still
 * be installing the cache (pulling the registry image, starting it, writing the firewall).
 */
export const SHARD_MIRROR_WAIT_MS = 600_000;

export interface ApplyOptions extends BaseRunOptions {
  /** Pull this image on one client through the mirror afterwards and confirm the cache holds it. */
  readonly verifyPull?: string;
  /** How long the cache may take to answer before clients are skipped. */
  readonly healthTimeoutMs?: number;
  /** Clients in batches (--serial, --max-fail-percent); default one batch. */
  readonly rollout?: RolloutOptions;
}

export interface RunResult {
  readonly runId: string;
  readonly outcomes: readonly HostOutcome[];
  /** Failures of the run itself, not of one host (unhealthy cache, failed --verify-pull). */
  readonly problems: readonly string[];
}

export async function runApply(inventory: Inventory, options: ApplyOptions, transport: Transport, emit: Emit): Promise<RunResult> {
  const started = Date.now();
  const runId = newRunId();
  const selected = new Set(options.hosts.map((h) => h.name));
  const caches = inventory.caches.filter((h) => selected.has(h.name));
  const clients = inventory.clients.filter((h) => selected.has(h.name));
  const problems: string[] = [];
  const shard = options.shard ? { shard: options.shard } : {};
  const journal = await Journal.start(options.journalDir, { runId, command: 'apply', check: options.dryRun, inventory: inventory.file, inventories: inventory.sources, options: options.recordedOptions, ...shard });
  emit({ type: 'run-start', runId, command: 'apply', check: options.dryRun, inventory: inventory.file, hosts: [...selected], ...shard });

  emit({ type: 'phase', name: 'cache', hosts: caches.map((h) => h.name) });
  const cacheOutcomes = await runOnHosts(caches, options.forks, transport, emit, async (host, shell) => {
    const settings = inventory.cacheSettings(host);
    const { sources, problems: sourceProblems, warnings } = await allowSources(inventory, settings.allowCidrs);
    if (sourceProblems.length > 0) return { status: 'failed', message: sourceProblems.join('; '), changes: [] };
    for (const message of warnings) emit({ type: 'warning', host: host.name, message });
    return applyCache(host, settings, sources, shell, options, emit);
  });

  const gate = await cacheGate(inventory, caches, cacheOutcomes, clients, options, transport, emit);
  let clientOutcomes: HostOutcome[];
  if (gate) {
    problems.push(gate);
    emit({ type: 'phase', name: 'clients', hosts: clients.map((h) => h.name) });
    clientOutcomes = skipAll(clients, gate, emit);
  } else {
    const clientOptions = { dryRun: options.dryRun, diff: options.diff, restart: options.restart, runId, settleTimeoutMs: options.settleTimeoutMs };
    const rollout = await runInBatches('clients', clients, options.rollout ?? ONE_BATCH, options.forks, transport, emit, (host, shell) =>
      applyClient(host, inventory.clientSettings(host), shell, clientOptions, emit, options.dryRun ? undefined : journal),
    );
    clientOutcomes = rollout.outcomes;
    if (rollout.stopped) problems.push(rollout.stopped);
  }

  if (options.verifyPull && !options.dryRun && !gate) {
    const verified = await runVerifyPull(inventory, clients, clientOutcomes, options.verifyPull, transport);
    emit({ type: 'verify', ok: verified.ok, message: verified.message });
    if (!verified.ok) problems.push(verified.message);
  }

  const outcomes = [...cacheOutcomes, ...clientOutcomes];
  const recap = recapOf(outcomes);
  const unrecorded = await journal.finish(outcomes, recap);
  if (unrecorded) problems.push(unrecorded);
  emit({ type: 'run-done', runId, recap, outcomes, problems, durationMs: Date.now() - started, journal: journal.dir, ...shard });
  return { runId, outcomes, problems };
}

/** Why clients must not be touched, or undefined when the cache is fine to point them at. */
async function cacheGate(inventory: Inventory, caches: readonly Host[], cacheOutcomes: readonly HostOutcome[], clients: readonly Host[], options: ApplyOptions, transport: Transport, emit: Emit): Promise<string | undefined> {
  // Shards 2..K leave the caches to shard 1, running at the same time: wait for the mirror as if
  // this run had converged them.
  const cachesInShardOne = (options.shard?.index ?? 1) > 1 && inventory.caches.length > 0;
  if ((caches.length === 0 && !cachesInShardOne) || clients.length === 0) return undefined;
  const broken = cacheOutcomes.filter(isTrouble);
  if (broken.length > 0) return `cache host(s) ${broken.map((o) => o.host).join(', ')} not ready (${broken.map((o) => o.message).join('; ')}); no client was changed`;
  if (options.dryRun) return undefined; // nothing was started, so there is nothing to wait for
  // The caches applied in this run (shard 1's, for shards 2..K) must answer; caches outside it and
  // public fallbacks are not waited for.
  const mirrors = (cachesInShardOne ? inventory.caches : caches).map((cache) => inventory.cacheMirror(cache));
  const passedOver = (client: Host, reason: string) =>
    emit({ type: 'warning', host: client.name, message: `health gate: cannot reach ${client.name} to probe the mirror from (${reason}); trying another client` });
  const timeoutMs = options.healthTimeoutMs ?? (cachesInShardOne ? SHARD_MIRROR_WAIT_MS : 30_000);
  const health = await waitForMirrors(transport, clients, mirrors, timeoutMs, passedOver, Math.min(options.forks, GATE_CONNECTS));
  return health.ok ? undefined : `${health.message}; no client was changed`;
}

async function runVerifyPull(inventory: Inventory, clients: readonly Host[], outcomes: readonly HostOutcome[], image: string, transport: Transport) {
  const good = clients.find((c) => outcomes.some((o) => o.host === c.name && (o.status === 'ok' || o.status === 'changed')));
  if (!good) return { ok: false, message: `--verify-pull ${image}: no client ended ok to pull from` };
  const { cacheMirrors } = inventory.clientSettings(good);
  if (cacheMirrors.length === 0) return { ok: false, message: `--verify-pull ${image}: ${good.name} has no cache of its own to verify (only public fallbacks)` };
  return verifyPull(transport, good, cacheMirrors, image);
}
