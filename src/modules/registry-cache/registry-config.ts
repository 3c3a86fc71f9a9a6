// The registry's configuration on the cache host: every setting, the upstream credentials
// included, in one root-only (0600) file that the container reads through a read-only bind mount,
// so no secret is in the container's environment, its labels or any process argument.
// The file starts with a random key of its own (a comment to the registry). Every hash of the
// file is thereby keyed: the checksum fleet compares, the one a file write checks, the container's
// label; none of them lets anyone test guesses at the password offline. Pure.
import { stringify } from 'yaml';
import { DEBUG_ADDR, DEBUG_METRICS_PATH, isConfigKey, keyLine } from '../../facts/cache-layout.js';
import type { CacheSettings } from '../../inventory/model.js';

export { CONFIG_KEY_SED, DEBUG_ADDR, DEBUG_METRICS_PATH, isConfigKey, LEGACY_ENV_FILE, REGISTRY_CONFIG } from '../../facts/cache-layout.js';
/** The port the registry serves on inside its container (the one the mirror port is published to). */
export const REGISTRY_PORT = 5000;

export function registryConfig(settings: CacheSettings, key: string): string {
  if (!isConfigKey(key)) throw new Error('registry config key must be 64 hex digits');
  const proxy: Record<string, string> = { remoteurl: settings.remoteUrl };
  if (settings.username) proxy.username = settings.username.reveal();
  if (settings.password) proxy.password = settings.password.reveal();
  const config = {
    version: '0.1',
    log: { fields: { service: 'registry' } },
    storage: {
      cache: { blobdescriptor: 'inmemory' },
      filesystem: { rootdirectory: '/var/lib/registry' },
      // The proxy's expiry scheduler only deletes with this on; without it the disk only grows.
      delete: { enabled: true },
    },
    http: {
      addr: `:${REGISTRY_PORT}`,
      headers: { 'X-Content-Type-Options': ['nosniff'] },
      // The proxy's request counters: expvar at /debug/vars (2.8), Prometheus text (3.x).
      debug: { addr: DEBUG_ADDR, prometheus: { enabled: true, path: DEBUG_METRICS_PATH } },
    },
    proxy,
  };
  // Every string double-quoted, never folded: read the same by YAML 1.1 (the registry's Go
  // parser, where a plain `yes` or `on` would be a boolean) and 1.2, whatever the password holds.
  // Anything beyond printable ASCII (only values can hold it) as an escape: U+2028 and U+0085
  // are line breaks to YAML 1.1.
  const body = stringify(config, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 }).replace(/[^\n\x20-\x7e]/gu, escapeChar);
  return [
    keyLine(key),
    '# Managed by fleet: do not edit, the next `fleet apply` rewrites it. Root-only: it holds the',
    '# upstream credentials. The key above is random, kept on this host, and makes every hash of',
    '# this file a keyed one.',
    body,
  ].join('\n');
}

function escapeChar(char: string): string {
  const code = char.codePointAt(0)!;
  return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
