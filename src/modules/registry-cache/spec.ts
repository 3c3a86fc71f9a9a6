// The desired cache host, derived from the inventory: the registry container's env file (the only
// place secrets live on the host), how the container is run, and the firewall rules. Pure.
import { createHash } from 'node:crypto';
import { sh } from '../../core/command.js';
import type { CacheSettings } from '../../inventory/model.js';
import { render } from '../../core/templates.js';

export const CONTAINER_NAME = 'through-cache';
export const SPEC_LABEL = 'io.fleet.spec';
export const ENV_FILE = '/etc/fleet/through-cache.env';
export const FIREWALL_CHAIN = 'FLEET-MIRROR';
export const FIREWALL_COMMENT = 'fleet-mirror';
export const FIREWALL_SCRIPT = '/usr/local/sbin/fleet-mirror-firewall';
export const FIREWALL_UNIT = 'fleet-mirror-firewall.service';
export const FIREWALL_UNIT_PATH = `/etc/systemd/system/${FIREWALL_UNIT}`;

export interface CacheSpec {
  readonly settings: CacheSettings;
  /** Sources allowed to reach the mirror port: client addresses (as /32 or /128) and allow CIDRs. */
  readonly allowSources: readonly string[];
}

/** `KEY=value` lines for `docker run --env-file`; holds the upstream credentials. */
export function envFileContent(settings: CacheSettings): string {
  const lines = [
    `REGISTRY_PROXY_REMOTEURL=${settings.remoteUrl}`,
    // The proxy's expiry scheduler only deletes with this on; without it the disk only grows.
    'REGISTRY_STORAGE_DELETE_ENABLED=true',
  ];
  if (settings.username) lines.push(`REGISTRY_PROXY_USERNAME=${settings.username.reveal()}`);
  if (settings.password) lines.push(`REGISTRY_PROXY_PASSWORD=${settings.password.reveal()}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A fingerprint of everything the container is created from, stored as a container label so a
 * changed setting (upstream, credentials, port, image, data dir) is seen without reading the
 * container's env back. Salted with the container name; a hash, never the secret itself.
 */
export function specHash(settings: CacheSettings): string {
  return createHash('sha256')
    .update(JSON.stringify([CONTAINER_NAME, settings.image, settings.mirrorPort, settings.dataDir, envFileContent(settings)]))
    .digest('hex')
    .slice(0, 32);
}

/** Remove any old container and create the new one; the cache data lives on in dataDir. */
export function createContainerScript(settings: CacheSettings): string {
  return [
    'set -e',
    sh`mkdir -p -m 0700 ${settings.dataDir}`,
    sh`docker rm -f ${CONTAINER_NAME} >/dev/null 2>&1 || true`,
    sh`docker run -d --name ${CONTAINER_NAME} --restart=always -p ${`${settings.mirrorPort}:5000`} -v ${`${settings.dataDir}:/var/lib/registry`} --env-file ${ENV_FILE} --label ${`${SPEC_LABEL}=${specHash(settings)}`} ${settings.image}`,
  ].join('\n');
}

export function pullImageScript(image: string): string {
  return sh`docker pull ${image}`;
}

export interface FirewallSpec {
  readonly port: number;
  readonly sources: readonly string[];
  /** The Docker bridge the container sits on (docker0 unless daemon.json says otherwise). */
  readonly bridge: string;
}

export function firewallScript(spec: FirewallSpec): string {
  return render('fleet-mirror-firewall.sh', { ...spec, chain: FIREWALL_CHAIN, comment: FIREWALL_COMMENT });
}

export function firewallUnit(): string {
  return render('fleet-mirror-firewall.service', { scriptPath: FIREWALL_SCRIPT });
}

/** The DOCKER-USER rules fleet added, recognised by their comment (`iptables -S` lines). */
export function fleetJumps(dockerUserRules: readonly string[]): string[] {
  return dockerUserRules.filter((rule) => rule.includes(`--comment ${FIREWALL_COMMENT}`));
}

/** The rules as `iptables -S` prints them, to compare with what a host has. */
export function expectedRules(spec: FirewallSpec): { chain: string[]; jump: string } {
  return {
    chain: [
      `-N ${FIREWALL_CHAIN}`,
      ...spec.sources.map((source) => `-A ${FIREWALL_CHAIN} -s ${source} -j RETURN`),
      `-A ${FIREWALL_CHAIN} -p tcp -j REJECT --reject-with tcp-reset`,
    ],
    jump: `-A DOCKER-USER -o ${spec.bridge} -p tcp -m conntrack --ctstate NEW --ctorigdstport ${spec.port} --ctdir ORIGINAL -m comment --comment ${FIREWALL_COMMENT} -j ${FIREWALL_CHAIN}`,
  };
}
