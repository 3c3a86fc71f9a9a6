// `fleet check`: read every selected host with the same facts commands apply uses, and report
// how it differs from the inventory. Strictly read-only: nothing is written, reloaded or started
// on any host, and no journal entry is made.
import { quote, type CommandResult } from '../core/command.js';
import type { Finding } from '../core/finding.js';
import type { HostOutcome } from '../core/outcome.js';
import { hasDrift, recapOf } from '../core/outcome.js';
import { cacheFactsCommand, parseCacheFacts } from '../facts/cache-host.js';
import type { CacheStats } from '../facts/cache-metrics.js';
import { effectivenessLine } from '../check/cache-effectiveness.js';
import type { Host, Inventory } from '../inventory/model.js';
import type { Shard } from '../inventory/shard.js';
import { BOOT_HOOK_FACT_ARGS } from '../modules/boot-hook/files.js';
import { containerdModule } from '../modules/containerd/module.js';
import { HOSTS_TOML_PATH } from '../modules/containerd/hosts-toml.js';
import { planContainerd } from '../modules/containerd/plan.js';
import { dockerModule } from '../modules/docker-daemon/module.js';
import { podmanModule } from '../modules/podman/module.js';
import { planPodman } from '../modules/podman/plan.js';
import { FLEET_DROP_IN_PATH } from '../modules/podman/registries-conf.js';
import type { Runtime } from '../modules/runtime/detect.js';
import type { Transport } from '../transports/transport.js';
import { cacheFindings } from '../check/cache-findings.js';
import { clientFindings } from '../check/client-findings.js';
import { runtimeFindings } from '../check/runtime-findings.js';
import type { Role } from '../check/report.js';
import { allowSources } from './allow-sources.js';
import { detectClientRuntime, type RuntimeJob, type RuntimeJobs } from './client-runtime.js';
import type { PartialOutcome } from './converge.js';
import type { Emit } from './events.js';
import type { HostShell } from './host-shell.js';
import { newRunId } from './journal.js';
import { runOnHosts } from './run-hosts.js';

export interface CheckOptions {
  /** Hosts selected by --limit, in inventory order. */
  readonly hosts: readonly Host[];
  readonly forks: number;
  /** Warn when a cache's data disk is at least this full (percent). */
  readonly diskWarnPercent: number;
  /** The inventory sources as the operator wrote them (`inv.yml`, `-i a -i b`), for the fix commands. */
  readonly inventoryArgs: readonly string[];
  /** --shard: the hosts are this slice of the selection (for the recap). */
  readonly shard?: Shard;
}

export interface CheckResult {
  readonly runId: string;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly outcomes: readonly HostOutcome[];
  /** The apply command that fixes every drifted host, or null when nothing drifted. */
  readonly fix: string | null;
  /** The proxy counters of each cache host that answered. */
  readonly cacheStats: ReadonlyMap<string, CacheStats>;
}

export async function runCheck(inventory: Inventory, options: CheckOptions, transport: Transport, emit: Emit): Promise<CheckResult> {
  const startedAt = new Date();
  const runId = newRunId();
  const roles = rolesOf(inventory);
  const hosts = options.hosts.filter((h) => roles(h.name).length > 0);
  const shard = options.shard ? { shard: options.shard } : {};
  emit({ type: 'run-start', runId, command: 'check', check: true, inventory: inventory.file, hosts: hosts.map((h) => h.name), ...shard });
  emit({ type: 'phase', name: 'check', hosts: hosts.map((h) => h.name) });

  const cacheStats = new Map<string, CacheStats>();
  const outcomes = await runOnHosts(hosts, options.forks, transport, emit, async (host, shell) => {
    const fixCommand = `fleet apply ${options.inventoryArgs.map(quote).join(' ')} --limit ${quote(host.name)}`;
    const findings: Finding[] = [];
    if (roles(host.name).includes('cache')) {
      const cache = await checkCache(inventory, host, shell, options, fixCommand);
      findings.push(...cache.findings);
      if (cache.stats) cacheStats.set(host.name, cache.stats);
    }
    const client = roles(host.name).includes('client') ? await checkClient(inventory, host, shell, fixCommand) : undefined;
    findings.push(...(client?.findings ?? []));
    const outcome = outcomeOf(findings);
    const stats = cacheStats.get(host.name);
    return {
      ...outcome,
      ...(stats ? { message: `${outcome.message}; cache: ${effectivenessLine(stats)}` } : {}),
      ...(client?.runtime ? { runtime: client.runtime } : {}),
    };
  });

  const drifted = outcomes.filter(hasDrift).map((o) => o.host);
  const durationMs = Date.now() - startedAt.getTime();
  const fix = drifted.length > 0 ? `fleet apply ${options.inventoryArgs.map(quote).join(' ')} --limit ${quote(drifted.join(','))}` : null;
  emit({ type: 'run-done', runId, command: 'check', recap: recapOf(outcomes), outcomes, problems: [], durationMs, notes: fix ? [`to fix the drift: ${fix}`] : [], ...shard });
  return { runId, startedAt, durationMs, outcomes, fix, cacheStats };
}

/** What check looks at on each host: cache, client, or both; none for hosts in neither group. */
export function rolesOf(inventory: Inventory): (host: string) => Role[] {
  const caches = new Set(inventory.caches.map((h) => h.name));
  const clients = new Set(inventory.clients.map((h) => h.name));
  return (host) => [...(caches.has(host) ? ['cache' as const] : []), ...(clients.has(host) ? ['client' as const] : [])];
}

/** A runtime's module, and how its facts read as findings. */
interface CheckJob extends RuntimeJob {
  findings(result: CommandResult): Finding[];
}

async function checkClient(inventory: Inventory, host: Host, shell: HostShell, fixCommand: string): Promise<{ findings: Finding[]; runtime?: Runtime }> {
  const settings = inventory.clientSettings(host);
  const { mirrors } = settings;
  const args = { daemonJsonPath: settings.daemonJsonPath, probeMirrors: settings.cacheMirrors, bootHook: BOOT_HOOK_FACT_ARGS };
  const docker = dockerModule(args, () => ({ kind: 'in-sync', reason: 'judged by its findings' }));
  const podman = podmanModule((facts) => planPodman({ mirrors }, facts));
  // As if --restart were given: a config.toml that needs config_path is drift, not a refusal.
  const containerd = containerdModule((facts) => planContainerd({ mirrors, restart: true, backupSuffix: 'check' }, facts));
  const jobs: RuntimeJobs<CheckJob> = {
    docker: () => ({ module: docker, findings: (result) => clientFindings(settings, docker.parseFacts(result), fixCommand) }),
    podman: () => ({ module: podman, findings: (result) => runtimeFindings({ runtime: 'podman', subject: FLEET_DROP_IN_PATH, mirrors, fixCommand }, podman.plan(podman.parseFacts(result))) }),
    containerd: () => ({ module: containerd, findings: (result) => runtimeFindings({ runtime: 'containerd', subject: HOSTS_TOML_PATH, mirrors, fixCommand }, containerd.plan(containerd.parseFacts(result))) }),
  };
  const detected = await detectClientRuntime(shell, jobs, settings.containerRuntime);
  if (detected.runtime === 'none') {
    return { findings: [{ kind: 'runtime-missing', severity: 'error', subject: 'container runtime', expected: 'docker, podman or containerd', found: detected.reason, fix: 'install a runtime, or set container_runtime for the host' }] };
  }
  const result = detected.facts ?? (await shell.run(detected.job.module.factsCommand()));
  return { findings: detected.job.findings(result), runtime: detected.runtime };
}

async function checkCache(inventory: Inventory, host: Host, shell: HostShell, options: CheckOptions, fixCommand: string): Promise<{ findings: Finding[]; stats?: CacheStats }> {
  const settings = inventory.cacheSettings(host);
  const { sources, problems, warnings } = await allowSources(inventory, settings.allowCidrs);
  if (problems.length > 0) {
    return { findings: [{ kind: 'allowlist', severity: 'error', subject: 'mirror allowlist', expected: 'an IPv4 source for every client', found: problems.join('; '), fix: 'fix the inventory' }] };
  }
  const probeUrl = `http://127.0.0.1:${settings.mirrorPort}/v2/`;
  const facts = parseCacheFacts(await shell.run(cacheFactsCommand(settings.image, settings.dataDir, probeUrl, true)), probeUrl, true);
  const churn = warnings.map((found): Finding => ({ kind: 'allowlist-churn', severity: 'warning', subject: 'mirror allowlist', expected: 'every client inside mirror_allow_cidrs', found, fix: 'add the network to mirror_allow_cidrs' }));
  const findings = [...cacheFindings({ settings, sources, diskWarnPercent: options.diskWarnPercent, fixCommand }, facts), ...churn];
  return { findings, ...(facts.cacheStats?.ok ? { stats: facts.cacheStats.stats } : {}) };
}

/** failed when a check could not be completed, drift when anything differs, ok otherwise. */
export function outcomeOf(findings: readonly Finding[]): PartialOutcome {
  const errors = findings.filter((f) => f.severity === 'error');
  const drift = findings.filter((f) => f.severity === 'drift');
  const warnings = findings.filter((f) => f.severity === 'warning');
  const kinds = (list: readonly Finding[]) => [...new Set(list.map((f) => f.kind))].join(', ');
  const warned = warnings.length > 0 ? ` (${warnings.length} warning(s): ${kinds(warnings)})` : '';
  if (errors.length > 0) {
    const also = drift.length > 0 ? `; also drift: ${kinds(drift)}` : '';
    return { status: 'failed', message: `check incomplete: ${errors.map((f) => f.found).join('; ')}${also}${warned}`, changes: [], findings };
  }
  if (drift.length > 0) return { status: 'drift', message: `${drift.length} difference(s): ${kinds(drift)}${warned}`, changes: [], findings };
  return { status: 'ok', message: `in sync${warned}`, changes: [], findings };
}
