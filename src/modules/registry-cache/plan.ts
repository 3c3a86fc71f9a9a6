// Desired state of a cache host: the registry container running from the inventory's settings,
// the credentials only in a root-only env file, and the mirror port open to the clients only.
// Pure: facts in, plan out.
import type { Change } from '../../core/change.js';
import { sha256 } from '../../core/hash.js';
import type { CacheFacts } from '../../facts/cache-host.js';
import type { CacheSettings } from '../../inventory/model.js';
import { isWideOpen } from './cidr.js';
import {
  CONTAINER_NAME,
  ENV_FILE,
  envFileContent,
  expectedRules,
  FIREWALL_SCRIPT,
  FIREWALL_UNIT,
  FIREWALL_UNIT_PATH,
  fleetJumps,
  firewallScript,
  firewallUnit,
  createContainerScript,
  pullImageScript,
  specHash,
  type FirewallSpec,
} from './spec.js';

export type CachePlan =
  | { readonly kind: 'refuse'; readonly reason: string; readonly warnings: readonly string[] }
  | { readonly kind: 'in-sync'; readonly reason: string; readonly warnings: readonly string[] }
  | { readonly kind: 'change'; readonly changes: readonly Change[]; readonly warnings: readonly string[] };

export function planCache(settings: CacheSettings, sources: readonly string[], facts: CacheFacts): CachePlan {
  const warnings = cacheWarnings(settings, sources, facts);
  const refusal = refusalReason(facts);
  if (refusal) return { kind: 'refuse', reason: refusal, warnings };

  const firewall: FirewallSpec = { port: settings.mirrorPort, sources, bridge: facts.bridge };
  const changes: Change[] = [
    ...envFileChanges(settings, facts),
    ...containerChanges(settings, facts),
    ...firewallChanges(firewall, facts),
  ];
  if (changes.length === 0) {
    return { kind: 'in-sync', reason: `${CONTAINER_NAME} is running as specified; the mirror port ${settings.mirrorPort} admits ${sources.length} source(s) only`, warnings };
  }
  return { kind: 'change', changes, warnings };
}

function refusalReason(facts: CacheFacts): string | undefined {
  if (facts.dockerError !== undefined || !facts.dockerVersion) return `Docker is not installed or not running on this cache host (${facts.dockerError ?? 'no answer'})`;
  if (!facts.iptables) return 'iptables is not installed: fleet firewalls the mirror with iptables rules in DOCKER-USER';
  if (!facts.dockerUserChain) {
    return "there is no DOCKER-USER chain (Docker's nftables firewall backend, or dockerd started with iptables disabled): fleet cannot restrict the mirror port on this host";
  }
  return undefined;
}

function cacheWarnings(settings: CacheSettings, sources: readonly string[], facts: CacheFacts): string[] {
  const warnings: string[] = [];
  if ((settings.username || settings.password) && sources.some(isWideOpen)) {
    warnings.push(`credentials are set but the mirror is open to ${sources.filter(isWideOpen).join(', ')}: every private image of that Docker Hub account is served to anyone who reaches the mirror`);
  }
  if (facts.firewalldActive) warnings.push('firewalld is active: `firewall-cmd --reload` may flush DOCKER-USER; restarting docker (or the fleet-mirror-firewall unit) puts the rules back');
  return warnings;
}

function envFileChanges(settings: CacheSettings, facts: CacheFacts): Change[] {
  const content = envFileContent(settings);
  if (facts.envFileSha === sha256(content) && facts.envFileMode === 0o600) return [];
  return [
    {
      kind: 'write-file',
      path: ENV_FILE,
      content,
      beforeSha: facts.envFileSha ?? 'absent',
      mode: 0o600,
      uid: 0,
      gid: 0,
      sensitive: true,
      reason: facts.envFileSha === undefined ? 'registry settings and credentials (root-only)' : 'registry settings or credentials changed',
    },
  ];
}

function containerChanges(settings: CacheSettings, facts: CacheFacts): Change[] {
  const changes: Change[] = [];
  const container = facts.container;
  const wanted = specHash(settings);
  if (!facts.imagePresent && (!container || container.specLabel !== wanted)) {
    changes.push({ kind: 'exec', script: pullImageScript(settings.image), label: `pull ${settings.image}`, reason: 'image not present on the host' });
  }
  if (!container || container.specLabel !== wanted || container.restartPolicy !== 'always') {
    const why = !container ? 'container does not exist' : 'container settings differ from the inventory (upstream, credentials, port, image or data dir)';
    changes.push({ kind: 'exec', script: createContainerScript(settings), label: `create container ${CONTAINER_NAME}`, reason: `${why}; cached data in ${settings.dataDir} is kept` });
  } else if (container.status !== 'running') {
    changes.push({ kind: 'exec', script: `docker start ${CONTAINER_NAME} >/dev/null`, label: `start container ${CONTAINER_NAME}`, reason: `container is ${container.status}` });
  }
  return changes;
}

function firewallChanges(firewall: FirewallSpec, facts: CacheFacts): Change[] {
  const changes: Change[] = [];
  const script = firewallScript(firewall);
  if (facts.firewallScriptSha !== sha256(script)) {
    changes.push({ kind: 'write-file', path: FIREWALL_SCRIPT, content: script, beforeSha: facts.firewallScriptSha ?? 'absent', mode: 0o755, uid: 0, gid: 0, reason: 'firewall rules script (re-run at every docker start)' });
  }
  const unit = firewallUnit();
  if (facts.firewallUnitSha !== sha256(unit)) {
    changes.push({ kind: 'write-file', path: FIREWALL_UNIT_PATH, content: unit, beforeSha: facts.firewallUnitSha ?? 'absent', mode: 0o644, uid: 0, gid: 0, reason: 'keeps the firewall rules across reboots and docker restarts' });
  }
  if (facts.firewallUnitSha !== sha256(unit) || !facts.unitEnabled) {
    changes.push({
      kind: 'exec',
      script: `if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload && systemctl enable ${FIREWALL_UNIT} >/dev/null 2>&1; fi`,
      label: `enable ${FIREWALL_UNIT}`,
      reason: 'run the firewall script whenever docker starts',
    });
  }
  if (!rulesInPlace(firewall, facts)) {
    changes.push({ kind: 'exec', script: FIREWALL_SCRIPT, label: 'apply firewall rules', reason: `only ${firewall.sources.join(', ') || 'no one'} may reach port ${firewall.port}` });
  }
  return changes;
}

/** The chain holds exactly the expected rules and DOCKER-USER jumps to it exactly once. */
export function rulesInPlace(firewall: FirewallSpec, facts: CacheFacts): boolean {
  return chainInPlace(firewall, facts) && jumpInPlace(firewall, facts);
}

export function chainInPlace(firewall: FirewallSpec, facts: CacheFacts): boolean {
  return facts.chainRules !== undefined && facts.chainRules.join('\n') === expectedRules(firewall).chain.join('\n');
}

export function jumpInPlace(firewall: FirewallSpec, facts: CacheFacts): boolean {
  const jumps = fleetJumps(facts.dockerUserRules);
  return jumps.length === 1 && jumps[0] === expectedRules(firewall).jump;
}
