// What a Kubernetes schedule needs from this machine when it is rendered: the inventory files and
// known_hosts (they become ConfigMaps), the variables the inventory reads (keys of the env
// Secret) and, when it can be counted offline, how many hosts it holds (sizes the pod).
import { access, constants, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { loadInventory } from '../inventory/load.js';
import { isPluginConfig } from '../inventory/nomad/config.js';
import { YamlDoc } from '../inventory/yaml-doc.js';
import { checkInventory } from './inventory-check.js';
import type { ConfigFile } from './spec.js';

export interface KubernetesInputs {
  readonly inventoryFiles: readonly ConfigFile[];
  readonly knownHosts: string;
  readonly envVars: readonly string[];
  /** Undefined when the inventory cannot be counted here (a script, a Nomad source, unset variables). */
  readonly hosts?: { readonly caches: number; readonly clients: number };
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
/** A ConfigMap holds at most 1 MiB; leave room for its metadata. */
const CONFIGMAP_MAX_BYTES = 1_000_000;

export async function readKubernetesInputs(sources: readonly string[], knownHostsFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<KubernetesInputs> {
  if (knownHostsFile === undefined) {
    throw new UsageError('--format kubernetes needs --known-hosts FILE: the hosts\' keys, which become a ConfigMap (a pod must never learn host keys by itself)');
  }
  const inventoryFiles = await Promise.all(sources.map(readConfigFile));
  const keys = new Map<string, string>();
  for (const [i, f] of inventoryFiles.entries()) {
    const other = keys.get(f.key);
    if (other !== undefined) throw new UsageError(`inventory ${sources[i]} and ${other} have the same file name: the pod sees them in one directory, rename one`);
    keys.set(f.key, sources[i] as string);
  }
  const size = inventoryFiles.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
  if (size > CONFIGMAP_MAX_BYTES) throw new UsageError(`inventory: ${size} bytes, more than a ConfigMap holds (1 MiB)`);
  const knownHosts = await readFile(knownHostsFile, 'utf8').catch((err: Error) => {
    throw new UsageError(`--known-hosts ${knownHostsFile}: ${err.message}`);
  });
  // With an empty environment every variable the inventory reads is reported: the pod has only
  // what the Secret gives it, whatever is set on this machine.
  const envVars = await checkInventory(sources, {});
  return { inventoryFiles, knownHosts, envVars, ...(await countHosts(sources, inventoryFiles, envVars, env)) };
}

async function readConfigFile(file: string): Promise<ConfigFile> {
  const key = path.basename(file);
  if (!CONFIG_KEY.test(key)) throw new UsageError(`inventory ${file}: a ConfigMap key (the file name in the pod) takes letters, digits, -, _ and . only`);
  const content = await readFile(file, 'utf8').catch((err: Error) => {
    throw new UsageError(`inventory ${file}: ${err.message}`);
  });
  const executable = await access(file, constants.X_OK).then(() => true, () => false);
  return { key, content, executable };
}

async function countHosts(sources: readonly string[], files: readonly ConfigFile[], envVars: readonly string[], env: NodeJS.ProcessEnv): Promise<Pick<KubernetesInputs, 'hosts'>> {
  // Dynamic sources are not run here: their hosts are unknown.
  if (files.some((f, i) => f.executable || isPluginConfig(new YamlDoc(f.content, sources[i] as string)))) return {};
  // Secrets live in the cluster, not here: a stand-in value lets the inventory load to be counted
  // (the count does not depend on them; if a stand-in is invalid, the hosts are not counted).
  const standIns = Object.fromEntries(envVars.filter((name) => env[name] === undefined).map((name) => [name, '1']));
  try {
    const inventory = await loadInventory(sources, { ...env, ...standIns }, { offline: true });
    return { hosts: { caches: inventory.caches.length, clients: inventory.clients.length } };
  } catch {
    return {};
  }
}
