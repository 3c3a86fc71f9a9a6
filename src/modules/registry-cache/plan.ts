// Desired state of a cache host: the registry container running from the inventory's settings,
// the credentials only in a root-only config file, and the mirror port open to the clients only,
// at every moment: the firewall is in force before the container publishes its port, and it is
// installed before dockerd starts at every boot, or the mirror is not run. Pure: facts in, plan out.
import type { Change } from '../../core/change.js';
import { Secret } from '../../core/command.js';
import type { ModulePlan } from '../../core/plan.js';
import { sha256 } from '../../core/hash.js';
import type { CacheFacts } from '../../facts/cache-host.js';
import type { CacheSettings } from '../../inventory/model.js';
import { isWideOpen } from './cidr.js';
import { claimDataDirScript, isMarkedFor, MARKER_NAME, unusableReason } from './data-dir.js';
import { DOCKER_DROPIN, dockerDropIn, LEGACY_UNIT, legacyUnitRemovalScript, loadDropInScript } from './boot-persistence.js';
import { expectedRules, FIREWALL_SCRIPT, firewallScript, isFleetJump, isSafeBridgeName, type FirewallSpec } from './firewall.js';
import { LEGACY_ENV_FILE, REGISTRY_CONFIG, registryConfig } from './registry-config.js';
import { CONTAINER_NAME, createContainerScript, PUBLISH_ADDRESS, pullImageScript, removeContainerScript, specLabel } from './spec.js';

/** Once the changes are made, the registry answers GET /v2/ on the host's loopback at this port. */
export interface CacheVerify {
  readonly port: number;
}

export type CachePlan = ModulePlan<CacheVerify>;

/** Random values a plan may need on a host that has none yet (the runner draws them). */
export interface FreshIds {
  /** The registry config's key: 64 hex digits. */
  readonly configKey: string;
  /** The data dir marker's id: 32 hex digits. */
  readonly dataDirId: string;
}

/**
 * What the host will run: the config file (with the host's key, or a fresh one) and its label.
 * The config holds the upstream credentials: it leaves as a `Secret`, up to the transport.
 */
export function desiredContainer(settings: CacheSettings, facts: CacheFacts, fresh: FreshIds): { config: Secret; label: string } {
  const key = facts.configKey ?? fresh.configKey;
  const config = registryConfig(settings, key);
  return { config: new Secret(config), label: specLabel(settings, config, key) };
}

export function planCache(settings: CacheSettings, sources: readonly string[], facts: CacheFacts, fresh: FreshIds): CachePlan {
  const warnings = cacheWarnings(settings, sources, facts);
  const refusal = refusalReason(settings, facts);
  if (refusal) return { kind: 'refuse', reason: refusal, warnings };

  const firewall: FirewallSpec = { port: settings.mirrorPort, sources, bridge: facts.bridge };
  const desired = desiredContainer(settings, facts, fresh);
  const recreate = facts.container !== undefined && !containerAsSpecified(settings, facts, desired.label);
  // Firewall first, container last: a failure on the way leaves the port closed, never open.
  const changes: Change[] = [
    ...configChanges(desired.config, facts),
    ...dataDirChanges(settings.dataDir, facts, fresh),
    ...(!facts.imagePresent && (recreate || !facts.container) ? [pullChange(settings.image)] : []),
    ...(recreate ? [removeOldContainer()] : []),
    ...firewallChanges(firewall, facts),
    ...persistenceChanges(facts),
    ...containerChanges(settings, facts, desired.label, recreate),
    ...(facts.legacyEnvFile ? [legacyEnvFileRemoval()] : []),
  ];
  if (changes.length === 0) {
    return { kind: 'in-sync', reason: `${CONTAINER_NAME} is running as specified; the mirror port ${settings.mirrorPort} admits ${sources.length} source(s) only`, warnings };
  }
  return { kind: 'change', changes, verify: { port: settings.mirrorPort }, warnings };
}

function refusalReason(settings: CacheSettings, facts: CacheFacts): string | undefined {
  if (facts.dockerError !== undefined || !facts.dockerVersion) return `Docker is not installed or not running on this cache host (${facts.dockerError ?? 'no answer'})`;
  if (!facts.iptables) return 'iptables is not installed: fleet firewalls the mirror with iptables rules in DOCKER-USER';
  if (!facts.dockerUserChain) {
    return "there is no DOCKER-USER chain (Docker's nftables firewall backend, or dockerd started with iptables disabled): fleet cannot restrict the mirror port on this host";
  }
  if (!isSafeBridgeName(facts.bridge)) return `Docker's bridge has a name fleet does not put in a firewall rule (${JSON.stringify(facts.bridge)})`;
  return unusableReason(settings.dataDir, facts.dataDir);
}

function cacheWarnings(settings: CacheSettings, sources: readonly string[], facts: CacheFacts): string[] {
  const warnings: string[] = [];
  if ((settings.username || settings.password) && sources.some(isWideOpen)) {
    warnings.push(`credentials are set but the mirror is open to ${sources.filter(isWideOpen).join(', ')}: every private image of that Docker Hub account is served to anyone who reaches the mirror`);
  }
  if (facts.firewalldActive) warnings.push('firewalld is active: `firewall-cmd --reload` may flush DOCKER-USER; restarting docker puts the rules back (fleet\'s drop-in re-applies them)');
  if (facts.dataDir.state === 'registry' && !isMarkedFor(settings.dataDir, facts.dataDir)) {
    warnings.push(`${settings.dataDir} holds registry data but no ${MARKER_NAME} marker (an older fleet's cache, or one made by hand): fleet takes it over as the cache's directory, so a later --purge-cache deletes it`);
  }
  return warnings;
}

/** The container runs from these very settings (label), restarts by itself, IPv4 port only. */
export function containerAsSpecified(settings: CacheSettings, facts: CacheFacts, label: string): boolean {
  const c = facts.container;
  return c !== undefined && c.specLabel === label && c.restartPolicy === 'always' && publishedAsSpecified(settings, facts);
}

export function publishedAsSpecified(settings: CacheSettings, facts: CacheFacts): boolean {
  const ports = facts.container?.ports ?? [];
  return ports.length === 1 && ports[0]!.ip === PUBLISH_ADDRESS && ports[0]!.port === settings.mirrorPort;
}

export function configInPlace(config: Secret, facts: CacheFacts): boolean {
  return facts.configSha === sha256(config) && facts.configMode === 0o600;
}

function configChanges(config: Secret, facts: CacheFacts): Change[] {
  if (configInPlace(config, facts)) return [];
  return [
    {
      kind: 'write-file',
      path: REGISTRY_CONFIG,
      content: config,
      beforeSha: facts.configSha ?? 'absent',
      mode: 0o600,
      uid: 0,
      gid: 0,
      reason: facts.configSha === undefined ? 'registry settings and credentials (root-only)' : 'registry settings or credentials changed',
    },
  ];
}

function dataDirChanges(dataDir: string, facts: CacheFacts, fresh: FreshIds): Change[] {
  if (isMarkedFor(dataDir, facts.dataDir)) return [];
  const reason = facts.dataDir.state === 'absent' ? 'cache data directory (root-only), marked as fleet\'s' : 'mark the directory as the cache\'s, so only it may be purged';
  return [{ kind: 'exec', script: claimDataDirScript(dataDir, fresh.dataDirId), label: `claim ${dataDir}`, reason }];
}

function pullChange(image: string): Change {
  return { kind: 'exec', script: pullImageScript(image), label: `pull ${image}`, reason: 'image not present on the host' };
}

function removeOldContainer(): Change {
  return {
    kind: 'exec',
    script: removeContainerScript(),
    label: `remove old container ${CONTAINER_NAME}`,
    reason: 'its settings differ from the inventory (upstream, credentials, port, image or data dir); removed before the firewall changes, recreated last',
  };
}

function firewallChanges(firewall: FirewallSpec, facts: CacheFacts): Change[] {
  const changes: Change[] = [];
  const script = firewallScript(firewall);
  if (facts.firewallScriptSha !== sha256(script)) {
    changes.push({ kind: 'write-file', path: FIREWALL_SCRIPT, content: script, beforeSha: facts.firewallScriptSha ?? 'absent', mode: 0o755, uid: 0, gid: 0, reason: 'firewall rules script (run before dockerd starts)' });
  }
  if (!rulesInPlace(firewall, facts)) {
    changes.push({ kind: 'exec', script: FIREWALL_SCRIPT, label: 'apply firewall rules', reason: `only ${firewall.sources.join(', ') || 'no one'} may reach the mirror (port ${firewall.port}, and the container itself)` });
  }
  return changes;
}

function persistenceChanges(facts: CacheFacts): Change[] {
  const changes: Change[] = [];
  const dropIn = dockerDropIn();
  const written = facts.dropInSha !== sha256(dropIn);
  if (written) {
    changes.push({ kind: 'write-file', path: DOCKER_DROPIN, content: dropIn, beforeSha: facts.dropInSha ?? 'absent', mode: 0o644, uid: 0, gid: 0, reason: 'docker.service installs the firewall before dockerd starts, at every boot' });
  }
  if (written || !facts.dropInLoaded) {
    changes.push({ kind: 'exec', script: loadDropInScript(), label: 'load the docker.service drop-in', reason: 'systemd must run it at the next docker start; where it cannot, the mirror is not run' });
  }
  if (facts.legacyUnit) {
    changes.push({ kind: 'exec', script: legacyUnitRemovalScript(), label: `remove ${LEGACY_UNIT}`, reason: 'replaced by the docker.service drop-in (the unit ran only after dockerd had started the container)' });
  }
  return changes;
}

function containerChanges(settings: CacheSettings, facts: CacheFacts, label: string, recreate: boolean): Change[] {
  const container = facts.container;
  if (!container || recreate) {
    const why = container ? 'settings changed' : 'container does not exist';
    return [{ kind: 'exec', script: createContainerScript(settings, label), label: `create container ${CONTAINER_NAME}`, reason: `${why}; cached data in ${settings.dataDir} is kept` }];
  }
  if (container.status !== 'running') {
    return [{ kind: 'exec', script: `docker start ${CONTAINER_NAME} >/dev/null`, label: `start container ${CONTAINER_NAME}`, reason: `container is ${container.status}` }];
  }
  return [];
}

function legacyEnvFileRemoval(): Change {
  return { kind: 'exec', script: `rm -f ${LEGACY_ENV_FILE}`, label: `remove ${LEGACY_ENV_FILE}`, reason: 'credentials now live in the registry config only' };
}

/** The chain holds exactly the expected rules and DOCKER-USER jumps to it once, first. */
export function rulesInPlace(firewall: FirewallSpec, facts: CacheFacts): boolean {
  return chainInPlace(firewall, facts) && jumpInPlace(firewall, facts);
}

export function chainInPlace(firewall: FirewallSpec, facts: CacheFacts): boolean {
  return facts.chainRules !== undefined && facts.chainRules.join('\n') === expectedRules(firewall).chain.join('\n');
}

export function jumpInPlace(firewall: FirewallSpec, facts: CacheFacts): boolean {
  const jumps = facts.dockerUserRules.filter(isFleetJump);
  return jumps.length === 1 && facts.dockerUserRules[0] === expectedRules(firewall).jump;
}
