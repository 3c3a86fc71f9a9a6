// Where fleet's cache lives on a cache host: the names and paths both the facts that read it and
// the module that writes it use. Kept on the facts side, so facts never import from modules.

/** The registry's configuration, credentials included (root-only). */
export const REGISTRY_CONFIG = '/etc/fleet/through-cache.yml';
/** The env file older versions of fleet kept the credentials in (`docker run --env-file`). */
export const LEGACY_ENV_FILE = '/etc/fleet/through-cache.env';
const KEY_LINE = '# fleet-key: ';

/** The config file's first line: its random key, as a comment to the registry. */
export function keyLine(key: string): string {
  return `${KEY_LINE}${key}`;
}

/** 256 random bits as hex: what a host's config key looks like. */
export function isConfigKey(text: string | undefined): text is string {
  return text !== undefined && /^[0-9a-f]{64}$/.test(text);
}

/** The key as the first line of a config file, for the facts command to read back. */
export const CONFIG_KEY_SED = `1s/^${KEY_LINE}\\([0-9a-f]\\{64\\}\\)$/\\1/p`;

/**
 * Where the registry serves its debug endpoint (/debug/vars; /metrics with prometheus enabled):
 * the loopback of the container's own network namespace. No port is published for it, so nothing
 * listens on any address of the host: not its interfaces, nor its loopback, which Docker before 28
 * lets hosts on the same L2 reach through a 127.0.0.1-published port. fleet reads it from the
 * host by entering the container's network namespace (see facts/cache-metrics.ts).
 */
export const DEBUG_ADDR = '127.0.0.1:5001';
export const DEBUG_METRICS_PATH = '/metrics';

export const CONTAINER_NAME = 'through-cache';
export const SPEC_LABEL = 'io.fleet.spec';

export const FIREWALL_CHAIN = 'FLEET-MIRROR';
export const FIREWALL_SCRIPT = '/usr/local/sbin/fleet-mirror-firewall';

export const DOCKER_DROPIN = '/etc/systemd/system/docker.service.d/fleet-mirror-firewall.conf';
/** The unit older versions of fleet installed (WantedBy=docker.service, so it ran after dockerd). */
export const LEGACY_UNIT = 'fleet-mirror-firewall.service';
export const LEGACY_UNIT_PATH = `/etc/systemd/system/${LEGACY_UNIT}`;
export const LEGACY_UNIT_LINK = `/etc/systemd/system/docker.service.wants/${LEGACY_UNIT}`;

/**
 * Shell: the drop-ins systemd has loaded for docker.service, space-separated (not the files on
 * disk: a drop-in written but not yet loaded does not run at the next start). No `--value`:
 * systemd before 230 lacks it.
 */
export const LOADED_DOCKER_DROPINS = "systemctl show -p DropInPaths docker.service 2>/dev/null | sed -n 's/^DropInPaths=//p'";

/** The marker file fleet writes in a data directory it created or took over. */
export const MARKER_NAME = '.fleet-cache';

/**
 * What the facts command finds at the data dir path: absent; empty or holding only registry data
 * (`docker/registry`); holding anything else; or not a directory at all.
 */
export type DataDirState = 'absent' | 'empty' | 'registry' | 'other' | 'symlink' | 'not-dir';

export interface DataDirFacts {
  readonly state: DataDirState;
  /** Content of the marker file when it is a regular file. */
  readonly marker?: string;
}
