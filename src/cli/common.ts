// What every host command shares: its flags, how inventory + hosts are resolved, the transport,
// and the reporter.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { quote } from '../core/command.js';
import { UsageError } from '../core/errors.js';
import { visible } from '../core/terminal-text.js';
import { loadInventory } from '../inventory/load.js';
import { selectHosts } from '../inventory/limit.js';
import type { Host, Inventory } from '../inventory/model.js';
import { parseShard, selectShard, type Shard } from '../inventory/shard.js';
import { chooseReporterKind, type Reporter } from '../reporters/reporter.js';
import { JsonReporter } from '../reporters/json.js';
import { PlainReporter } from '../reporters/plain.js';
import { createSshTransport } from '../transports/ssh.js';
import type { Transport } from '../transports/transport.js';
import type { RunEvent } from '../runner/events.js';
import { lockJournal } from '../runner/journal-lock.js';

/** Default parallel hosts. Work per host is mostly waiting on the network, so far more than
 * Ansible's 5 pays off; 50 keeps file descriptors, memory and sshd load on a jump host modest. */
export const DEFAULT_FORKS = 50;

export interface HostFlags {
  limit?: string;
  forks: number;
  json: boolean;
  'known-hosts'?: string;
  'accept-new-host-keys': boolean;
  'connect-timeout': number;
  'command-timeout': number;
  'connect-retries': number;
  'keepalive-interval': number;
  'keepalive-count': number;
  'journal-dir': string;
  shard?: string;
}

export function withHostFlags<T>(yargs: Argv<T>) {
  return yargs
    .option('limit', { alias: 'l', type: 'string', describe: 'only these hosts: names, groups, globs, !exclusions, &intersections, comma-separated; @FILE reads them from a file' })
    .option('forks', { alias: 'f', type: 'number', default: DEFAULT_FORKS, describe: 'how many hosts to work on in parallel' })
    .option('json', { type: 'boolean', default: false, describe: 'NDJSON events and a final summary on stdout, nothing else' })
    .option('known-hosts', { type: 'string', describe: 'known_hosts file to verify host keys against [default: ~/.ssh/known_hosts]' })
    .option('accept-new-host-keys', { type: 'boolean', default: false, describe: 'accept and record keys of hosts not yet in known_hosts (a changed key is always refused)' })
    .option('connect-timeout', { type: 'number', default: 10, describe: 'seconds to wait for a host to connect' })
    .option('command-timeout', { type: 'number', default: 120, describe: 'seconds a single remote command may take' })
    .option('connect-retries', { type: 'number', default: 2, describe: 'connect again this many times after a transient failure (refused, reset, handshake timeout), with backoff' })
    .option('keepalive-interval', { type: 'number', default: 5, describe: 'seconds between SSH keepalives; a host that stops answering is dropped after interval x (count + 1)' })
    .option('keepalive-count', { type: 'number', default: 3, describe: 'unanswered keepalives in a row before a host is called unreachable' })
    .option('journal-dir', { type: 'string', default: '.fleet', describe: 'where the local run journal is kept' })
    .option('shard', { type: 'string', requiresArg: true, describe: 'work on slice I of K (e.g. 2/3) of the selected clients, chosen by a hash of the host name; cache hosts are in shard 1' })
    .check((argv) => {
      const flags = argv as unknown as HostFlags;
      if (Array.isArray(flags.shard)) throw new UsageError('--shard: give it once (I/K)');
      if (flags.shard !== undefined) parseShard(flags.shard);
      if (!Number.isInteger(flags.forks) || flags.forks < 1) throw new UsageError('--forks must be a whole number of at least 1');
      if (!Number.isInteger(flags['connect-retries']) || flags['connect-retries'] < 0) throw new UsageError('--connect-retries must be a whole number of at least 0');
      if (!Number.isInteger(flags['keepalive-count']) || flags['keepalive-count'] < 1) throw new UsageError('--keepalive-count must be a whole number of at least 1');
      if (!(flags['keepalive-interval'] > 0)) throw new UsageError('--keepalive-interval must be more than 0 seconds');
      return true;
    });
}

export interface InventoryFlags {
  /** The positional inventory, as before -i existed. */
  'inventory-file'?: string;
  /** -i/--inventory, repeatable. */
  inventory?: string[];
}

/** `[inventory-file]` (positional) and `-i/--inventory SRC`, repeatable, as Ansible's -i. */
export function withInventoryFlags<T>(yargs: Argv<T>, positionalHelp: string) {
  return yargs
    .positional('inventory-file', { type: 'string', describe: positionalHelp })
    .option('inventory', { alias: 'i', type: 'string', array: true, requiresArg: true, describe: 'an inventory source: YAML, INI or JSON file, executable, or plugin: nomad file; repeat for several (later ones win)' });
}

/** Every source given, the positional one first; [] when none. */
export function inventorySources(flags: InventoryFlags): string[] {
  return [...(flags['inventory-file'] === undefined ? [] : [flags['inventory-file']]), ...(flags.inventory ?? [])];
}

/** The sources, or a usage error when none was given. */
export function requiredSources(flags: InventoryFlags, command: string): string[] {
  const sources = inventorySources(flags);
  if (sources.length === 0) throw new UsageError(`name an inventory: fleet ${command} INVENTORY, or -i SOURCE (repeatable)`);
  return sources;
}

/** --shard as given, parsed; undefined without the flag. */
export function shardFlag(flags: Pick<HostFlags, 'shard'>): Shard | undefined {
  return flags.shard === undefined ? undefined : parseShard(flags.shard);
}

/** The inventory and the hosts to work on: --limit, then this run's --shard of what it selected. */
export async function resolveHosts(sources: readonly string[], limit: string | undefined, shard?: Shard): Promise<{ inventory: Inventory; hosts: Host[] }> {
  const inventory = await loadInventory(sources, process.env);
  const limited = selectHosts(inventory, limit);
  return { inventory, hosts: shard ? selectShard(limited, new Set(inventory.caches.map((h) => h.name)), shard) : limited };
}

export function makeTransport(flags: HostFlags): Transport {
  return createSshTransport({
    knownHostsFile: flags['known-hosts'] ?? join(homedir(), '.ssh', 'known_hosts'),
    acceptNewHostKeys: flags['accept-new-host-keys'],
    connectTimeoutMs: flags['connect-timeout'] * 1000,
    commandTimeoutMs: flags['command-timeout'] * 1000,
    connectRetries: flags['connect-retries'],
    keepaliveIntervalMs: flags['keepalive-interval'] * 1000,
    keepaliveCountMax: flags['keepalive-count'],
  });
}

export async function makeReporter(json: boolean): Promise<Reporter> {
  const kind = chooseReporterKind({ json, isTTY: Boolean(process.stdout.isTTY), ci: Boolean(process.env.CI) });
  if (kind === 'json') return new JsonReporter();
  if (kind === 'plain') return new PlainReporter();
  // listr2 only on a terminal: cron, CI and pipes do not pay for loading it.
  const { ListrReporter } = await import('../reporters/listr.js');
  return new ListrReporter();
}

/** Options worth recording in the journal: flags only, never environment or secrets. */
export function recordableOptions(flags: object): Record<string, unknown> {
  // yargs gives every flag twice (kebab-case and camelCase): keep the spelling the user typed.
  return Object.fromEntries(Object.entries(flags).filter(([k]) => k !== '_' && k !== '$0' && !/[A-Z]/.test(k) && k.length > 1));
}

/** Run one command over hosts with a reporter and a transport, closing both whatever happens. */
export async function withRun<R>(flags: HostFlags, work: (transport: Transport, emit: (event: RunEvent) => void) => Promise<R>, given?: Reporter): Promise<R> {
  const reporter = given ?? (await makeReporter(flags.json));
  const transport = makeTransport(flags);
  try {
    return await work(transport, (event) => reporter.handle(event));
  } finally {
    await reporter.close();
    await transport.dispose();
  }
}

/**
 * Hold the journal for the whole of a command that writes it (apply, rollback; with --check too,
 * which records its run): a second such run on the same journal is refused at once, unless the two
 * are shards of one K (disjoint hosts).
 */
export async function withJournalLock<R>(journalDir: string, work: () => Promise<R>, shard?: Shard): Promise<R> {
  const command = ['fleet', ...process.argv.slice(2)].map(quote).join(' ');
  const lock = await lockJournal(journalDir, command, (note) => process.stderr.write(`fleet: ${visible(note)}\n`), shard);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
