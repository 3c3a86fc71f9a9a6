// containerd's per-registry host configuration (docs/hosts.md): certs.d/docker.io/hosts.toml.
// fleet owns that file and renders it whole. Pure.
import { parse } from 'smol-toml';
import type { MirrorAddress } from '../../core/mirror-url.js';

export const CERTS_DIR = '/etc/containerd/certs.d';
export const HOSTS_TOML_PATH = `${CERTS_DIR}/docker.io/hosts.toml`;
export const CONFIG_TOML_PATH = '/etc/containerd/config.toml';
export const DOCKER_HUB_SERVER = 'https://registry-1.docker.io';

/** hosts.toml for these mirrors: tried in order for pull and resolve, then the server itself. */
export function renderHostsToml(mirrors: readonly MirrorAddress[]): string {
  const lines = [
    '# Written by fleet: pulls from Docker Hub try these mirrors in order, then Docker Hub.',
    '# Read at every pull. fleet rollback removes this file; fleet apply rewrites it.',
    `server = ${JSON.stringify(DOCKER_HUB_SERVER)}`,
  ];
  for (const mirror of mirrors) {
    lines.push('', `[host.${JSON.stringify(mirror.url)}]`, '  capabilities = ["pull", "resolve"]');
  }
  return `${lines.join('\n')}\n`;
}

/** The mirror URLs of a hosts.toml in order, or why it cannot be read. */
export function hostsTomlMirrors(text: string): { readonly mirrors: readonly string[] } | { readonly error: string } {
  try {
    const doc = parse(text) as { host?: unknown };
    const hosts = doc.host ?? {};
    if (hosts === null || typeof hosts !== 'object' || Array.isArray(hosts)) return { error: '`host` is not a table' };
    return { mirrors: Object.keys(hosts) };
  } catch (err) {
    return { error: `not valid TOML (${(err as Error).message.split('\n')[0]!.trim()})` };
  }
}

/** The mirrors of a hosts.toml that is exactly what fleet renders for them; else undefined. */
export function fleetHostsMirrors(text: string, address: (url: string) => MirrorAddress): readonly string[] | undefined {
  const read = hostsTomlMirrors(text);
  if ('error' in read) return undefined;
  try {
    return renderHostsToml(read.mirrors.map(address)) === text ? read.mirrors : undefined;
  } catch {
    return undefined;
  }
}
