// Podman's registries configuration (containers-registries.conf(5), version 2), read and written
// as text. Pure. Reading goes through a TOML parser; fleet's own drop-in is rendered whole (fleet
// owns that file), so no other file is ever edited.
import { parse } from 'smol-toml';
import type { MirrorAddress } from '../../core/mirror-url.js';

/** Where Podman (run by root) reads its registries configuration. */
export const PODMAN_PATHS = {
  registriesConf: '/etc/containers/registries.conf',
  dropInDir: '/etc/containers/registries.conf.d',
  userRegistriesConf: '/root/.config/containers/registries.conf',
} as const;

/**
 * fleet's drop-in. Drop-ins load in alpha-numerical order and a later `[[registry]]` with the same
 * prefix replaces an earlier one, so the name sorts after the usual ones (`00-…`, `shortnames.conf`):
 * fleet's docker.io entry is the one in force. Other files configuring docker.io are refused anyway.
 */
export const FLEET_DROP_IN = 'zz-fleet-mirrors.conf';
export const FLEET_DROP_IN_PATH = `${PODMAN_PATHS.dropInDir}/${FLEET_DROP_IN}`;

/** A mirror as Podman names it: a location (host[:port]) and whether it is plain http. */
export interface PodmanMirror {
  readonly location: string;
  readonly insecure: boolean;
}

export function podmanMirror(address: MirrorAddress): PodmanMirror {
  return { location: address.host, insecure: address.scheme === 'http' };
}

/** The whole drop-in fleet writes for these mirrors (tried in order, then Docker Hub). */
export function renderDropIn(mirrors: readonly PodmanMirror[]): string {
  const lines = [
    '# Written by fleet: pulls from Docker Hub try these mirrors in order, then Docker Hub.',
    '# fleet rollback removes this file; fleet apply rewrites it.',
    '[[registry]]',
    'prefix = "docker.io"',
    'location = "docker.io"',
  ];
  for (const mirror of mirrors) {
    lines.push('', '[[registry.mirror]]', `location = ${tomlString(mirror.location)}`);
    if (mirror.insecure) lines.push('insecure = true');
  }
  return `${lines.join('\n')}\n`;
}

/** A TOML basic string; JSON's escapes are valid TOML escapes. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** What one registries file says about Docker Hub, or why it cannot be read. */
export type DockerHubConfig =
  | { readonly kind: 'invalid'; readonly error: string }
  /** The version 1 format (`[registries.search]` ...): drop-ins must be version 2. */
  | { readonly kind: 'v1' }
  | { readonly kind: 'ok'; readonly entries: readonly DockerHubEntry[] };

export interface DockerHubEntry {
  /** The entry's prefix (or its location when it has no prefix). */
  readonly prefix: string;
  readonly mirrors: readonly PodmanMirror[];
}

/** The `[[registry]]` entries of a file that decide how Docker Hub images are pulled. */
export function dockerHubConfig(text: string): DockerHubConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    return { kind: 'invalid', error: `not valid TOML (${firstLine((err as Error).message)})` };
  }
  const v1 = doc.registries;
  if (v1 !== null && typeof v1 === 'object' && !Array.isArray(v1)) return { kind: 'v1' };
  const registries = doc.registry ?? [];
  if (!Array.isArray(registries)) return { kind: 'invalid', error: '`registry` is not an array of tables ([[registry]])' };
  const entries: DockerHubEntry[] = [];
  for (const registry of registries as Array<Record<string, unknown>>) {
    const prefix = typeof registry.prefix === 'string' ? registry.prefix : typeof registry.location === 'string' ? registry.location : '';
    if (!isDockerHub(prefix)) continue;
    const mirrors = Array.isArray(registry.mirror) ? (registry.mirror as Array<Record<string, unknown>>) : [];
    entries.push({
      prefix,
      mirrors: mirrors.map((m) => ({ location: String(m.location ?? ''), insecure: m.insecure === true })),
    });
  }
  return { kind: 'ok', entries };
}

/** docker.io itself or a namespace of it (docker.io/library), which wins for its images. */
function isDockerHub(prefix: string): boolean {
  const name = prefix.replace(/^(index\.|registry-1\.)/, '');
  return name === 'docker.io' || name.startsWith('docker.io/');
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** The mirrors of fleet's drop-in when it is exactly what fleet renders for them; else undefined. */
export function fleetDropInMirrors(text: string): readonly PodmanMirror[] | undefined {
  const config = dockerHubConfig(text);
  if (config.kind !== 'ok' || config.entries.length !== 1) return undefined;
  const mirrors = config.entries[0]!.mirrors;
  return renderDropIn(mirrors) === text ? mirrors : undefined;
}

export function samePodmanMirrors(a: readonly PodmanMirror[], b: readonly PodmanMirror[]): boolean {
  return a.length === b.length && a.every((m, i) => m.location === b[i]!.location && m.insecure === b[i]!.insecure);
}

export function describePodmanMirrors(mirrors: readonly PodmanMirror[]): string {
  return JSON.stringify(mirrors.map((m) => (m.insecure ? `${m.location} (insecure)` : m.location)));
}
