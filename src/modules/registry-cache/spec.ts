// How the registry container is run, derived from the inventory: its config file bind-mounted
// read-only, its data on a host directory, the mirror port published on IPv4 only. Pure.
import { createHmac } from 'node:crypto';
import { sh } from '../../core/command.js';
import type { CacheSettings } from '../../inventory/model.js';
import { CONTAINER_NAME, REGISTRY_CONFIG, SPEC_LABEL } from '../../facts/cache-layout.js';
import { REGISTRY_PORT } from './registry-config.js';

export { CONTAINER_NAME, SPEC_LABEL } from '../../facts/cache-layout.js';
/**
 * The address the port is published on. IPv4 only: with Docker's userland proxy a port published
 * without an address also listens on [::], where DOCKER-USER (an IPv4 chain) filters nothing.
 */
export const PUBLISH_ADDRESS = '0.0.0.0';

/** `docker run` arguments except the label: everything a container is created from. */
function runArguments(settings: CacheSettings): string {
  return sh`--name ${CONTAINER_NAME} --restart=always -p ${`${PUBLISH_ADDRESS}:${settings.mirrorPort}:${REGISTRY_PORT}`} -v ${`${settings.dataDir}:/var/lib/registry`} -v ${`${REGISTRY_CONFIG}:${REGISTRY_CONFIG}:ro`}`;
}

/** `registry serve PATH`: the official v2 and v3 images' entrypoints both run this as given. */
function imageAndCommand(settings: CacheSettings): string {
  return sh`${settings.image} serve ${REGISTRY_CONFIG}`;
}

/**
 * The container's label: an HMAC, keyed with the host's config key, of how the container is run
 * and of the config file it reads. A changed setting (credentials included) is seen without
 * reading the container's config back, and the label reveals nothing of the password.
 */
export function specLabel(settings: CacheSettings, config: string, key: string): string {
  return createHmac('sha256', key).update(JSON.stringify([runArguments(settings), imageAndCommand(settings), config])).digest('hex');
}

/** Remove any old container and create the new one; the cache data lives on in dataDir. */
export function createContainerScript(settings: CacheSettings, label: string): string {
  return [
    'set -e',
    removeContainerScript(),
    `docker run -d ${runArguments(settings)} --label ${sh`${`${SPEC_LABEL}=${label}`}`} ${imageAndCommand(settings)} >/dev/null`,
  ].join('\n');
}

export function removeContainerScript(): string {
  return sh`docker rm -f ${CONTAINER_NAME} >/dev/null 2>&1 || true`;
}

export function pullImageScript(image: string): string {
  return sh`docker pull ${image}`;
}
