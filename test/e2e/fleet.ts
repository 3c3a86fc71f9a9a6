// Running the real fleet CLI (the built bin/fleet.js) against the lab, and writing inventories.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readLab, repoDir, run, RUNTIME_CLIENTS, type ExecResult } from './lab.js';

export interface InventoryOptions {
  /** Vars under all.vars, on top of the lab's connection vars. */
  vars?: Record<string, unknown>;
  /** Per-host vars. */
  hostVars?: Record<string, Record<string, unknown>>;
  /** Include the cache group (cache-1); otherwise clients use the lab's ready-made mirror. */
  withCache?: boolean;
  /** The cache group's hosts when not just cache-1 (implies withCache), e.g. ['cache-1', 'cache-2']. */
  caches?: string[];
  /** More clients, listed before the lab's own: name -> host vars (e.g. an address where nothing answers). */
  extraClients?: Record<string, Record<string, unknown>>;
  /** Also the lab's Podman and containerd clients (client-podman, client-containerd) in `clients`. */
  runtimeClients?: boolean;
}

/** A fresh working directory with an inventory of the lab; fleet's journal (.fleet/) lands here. */
export function labInventory(options: InventoryOptions = {}): { dir: string; file: string } {
  const lab = readLab();
  const hostEntry = (name: string) => ({ ansible_host: lab.hosts[name]!.address, ...(options.hostVars?.[name] ?? {}) });
  const clients = ['client-1', 'client-2', 'client-3', ...(options.runtimeClients ? RUNTIME_CLIENTS : [])];
  const caches = options.caches ?? (options.withCache ? ['cache-1'] : []);
  const inventory = {
    all: {
      vars: {
        ansible_user: 'root',
        ansible_ssh_private_key_file: lab.keyFile,
        ...(caches.length > 0 ? { registry_image: 'registry:2', registry_proxy_remoteurl: lab.hubUrl } : { mirror_url: lab.mirrorUrl }),
        ...options.vars,
      },
      children: {
        ...(caches.length > 0 ? { cache: { hosts: Object.fromEntries(caches.map((c) => [c, hostEntry(c)])) } } : {}),
        clients: { hosts: { ...options.extraClients, ...Object.fromEntries(clients.map((c) => [c, hostEntry(c)])) } },
      },
    },
  };
  const dir = mkdtempSync(join(tmpdir(), 'fleet-e2e-'));
  const file = join(dir, 'inventory.yml');
  writeFileSync(file, stringify(inventory));
  return { dir, file };
}

/** Commands that contact no host, and take no --known-hosts. */
const HOSTLESS = new Set(['inventory', 'schedule', 'render', 'report']);

/** Run `fleet ARGS` in `cwd` with the lab's known_hosts unless the args name another. */
export function fleet(cwd: string, args: string[], env: Record<string, string> = {}): Promise<ExecResult> {
  const knownHosts = args.includes('--known-hosts') || HOSTLESS.has(args[0] ?? '') ? [] : ['--known-hosts', readLab().knownHosts];
  const envArgs = Object.entries({ CI: 'true', ...env }).map(([k, v]) => `${k}=${v}`);
  return run('env', ['-C', cwd, ...envArgs, process.execPath, join(repoDir, 'bin', 'fleet.js'), ...args, ...knownHosts]);
}

/** The final summary object of a --json run. */
export function summaryOf(result: ExecResult): { recap: Record<string, number>; hosts: Array<{ host: string; status: string; message: string }>; problems: string[] } {
  const lines = result.stdout.trim().split('\n').filter(Boolean);
  for (const line of lines) JSON.parse(line); // every stdout line must be JSON
  const summary = JSON.parse(lines[lines.length - 1]!);
  if (summary.type !== 'summary') throw new Error(`last line is not the summary: ${lines[lines.length - 1]}`);
  return summary;
}

export function statusOf(result: ExecResult, host: string): string | undefined {
  return summaryOf(result).hosts.find((h) => h.host === host)?.status;
}
