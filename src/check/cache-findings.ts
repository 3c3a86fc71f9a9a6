// What `fleet check` finds on a cache host: the registry container, its config file, its data
// directory, the firewall and the docker.service drop-in that installs it at boot, the registry's
// health and its disk. Pure: facts in, findings out. No finding carries a secret: the config and
// the container's settings are compared by keyed hash.
import type { Secret } from '../core/command.js';
import type { Finding } from '../core/finding.js';
import type { CacheFacts, ContainerFact } from '../facts/cache-host.js';
import type { CacheSettings } from '../inventory/model.js';
import { DOCKER_DROPIN, dockerDropIn, LEGACY_UNIT } from '../modules/registry-cache/boot-persistence.js';
import { isMarkedFor, MARKER_NAME } from '../modules/registry-cache/data-dir.js';
import { expectedRules, FIREWALL_CHAIN, FIREWALL_SCRIPT, firewallScript, isFleetJump, type FirewallSpec } from '../modules/registry-cache/firewall.js';
import { drawFreshIds } from '../modules/registry-cache/fresh-ids.js';
import { chainInPlace, configInPlace, desiredContainer, jumpInPlace, planCache, publishedAsSpecified } from '../modules/registry-cache/plan.js';
import { LEGACY_ENV_FILE, REGISTRY_CONFIG } from '../modules/registry-cache/registry-config.js';
import { CONTAINER_NAME, PUBLISH_ADDRESS } from '../modules/registry-cache/spec.js';
import { sha256 } from '../core/hash.js';

export interface CacheCheckSpec {
  readonly settings: CacheSettings;
  /** Sources the firewall must admit (every inventory client and mirror_allow_cidrs). */
  readonly sources: readonly string[];
  /** Warn when the filesystem holding the cache data is at least this full. */
  readonly diskWarnPercent: number;
  /** The apply command line that brings this host back. */
  readonly fixCommand: string;
}

export function cacheFindings(spec: CacheCheckSpec, facts: CacheFacts): Finding[] {
  const fresh = drawFreshIds();
  const plan = planCache(spec.settings, spec.sources, facts, fresh);
  const warnings = (plan.warnings ?? []).map((message): Finding => ({ kind: 'cache-warning', severity: 'warning', subject: 'cache host', expected: '-', found: message, fix: 'see the message' }));
  if (plan.kind === 'refuse') {
    return [{ kind: 'cache-host-unusable', severity: 'error', subject: 'cache host', expected: 'Docker running, iptables with a DOCKER-USER chain, a usable data directory', found: plan.reason, fix: 'fix the host or the inventory, then check again' }, ...warnings];
  }
  const firewall: FirewallSpec = { port: spec.settings.mirrorPort, sources: spec.sources, bridge: facts.bridge };
  const desired = desiredContainer(spec.settings, facts, fresh);
  return [
    ...containerFindings(spec, facts, desired.label),
    ...configFindings(spec, facts, desired.config),
    ...dataDirFindings(spec, facts),
    ...firewallFindings(firewall, facts, spec.fixCommand),
    ...persistenceFindings(firewall, facts, spec.fixCommand),
    ...healthFindings(spec, facts),
    ...warnings,
  ];
}

function containerFindings(spec: CacheCheckSpec, facts: CacheFacts, label: string): Finding[] {
  const { settings, fixCommand: fix } = spec;
  const subject = `container ${CONTAINER_NAME}`;
  const container: ContainerFact | undefined = facts.container;
  const published = `${PUBLISH_ADDRESS}:${settings.mirrorPort}->5000`;
  if (!container) {
    return [{ kind: 'container-missing', severity: 'drift', subject, expected: `running ${settings.image}, --restart=always, port ${published}`, found: 'no such container', fix }];
  }
  const findings: Finding[] = [];
  if (container.status !== 'running') findings.push({ kind: 'container-stopped', severity: 'drift', subject, expected: 'running', found: container.status || 'unknown state', fix });
  if (container.image !== settings.image) findings.push({ kind: 'container-image', severity: 'drift', subject: `image of ${subject}`, expected: settings.image, found: container.image, fix });
  const portOk = publishedAsSpecified(settings, facts);
  if (!portOk) {
    const found = container.ports.length === 0 ? 'port 5000 not published' : container.ports.map((p) => `${p.ip || 'every address, IPv6 included'}:${p.port}->5000`).join(', ');
    findings.push({ kind: 'container-port', severity: 'drift', subject: `published port of ${subject}`, expected: `${published} (IPv4 only)`, found, fix });
  }
  if (container.restartPolicy !== 'always') {
    findings.push({ kind: 'container-restart-policy', severity: 'drift', subject: `restart policy of ${subject}`, expected: 'always', found: container.restartPolicy || 'none', fix });
  }
  // Image and port are compared above; a different label with both equal means the upstream,
  // the credentials or the data dir changed. Only a keyed fingerprint is compared, never values.
  if (container.specLabel !== label && container.image === settings.image && portOk) {
    findings.push({ kind: 'container-settings', severity: 'drift', subject: `settings of ${subject} (upstream URL, credentials, data dir)`, expected: 'as in the inventory', found: container.specLabel ? 'created from other settings (values not shown)' : 'not created by fleet', fix });
  }
  return findings;
}

function configFindings(spec: CacheCheckSpec, facts: CacheFacts, config: Secret): Finding[] {
  const fix = spec.fixCommand;
  const findings: Finding[] = [];
  if (facts.configSha === undefined) {
    findings.push({ kind: 'registry-config', severity: 'drift', subject: REGISTRY_CONFIG, expected: 'the registry settings, mode 0600', found: 'no such file', fix });
  } else if (!configInPlace(config, facts)) {
    if (facts.configSha !== sha256(config)) {
      findings.push({ kind: 'registry-config', severity: 'drift', subject: REGISTRY_CONFIG, expected: "the inventory's upstream URL and credentials", found: 'other content (values not shown)', fix });
    }
    if (facts.configMode !== 0o600) {
      findings.push({ kind: 'registry-config-mode', severity: 'drift', subject: `mode of ${REGISTRY_CONFIG}`, expected: '0600', found: facts.configMode === undefined ? 'unknown' : `0${facts.configMode.toString(8)}`, fix });
    }
  }
  if (facts.legacyEnvFile) {
    findings.push({ kind: 'legacy-env-file', severity: 'drift', subject: LEGACY_ENV_FILE, expected: 'gone (credentials live in the registry config only)', found: 'still there, holding the credentials of an older fleet', fix });
  }
  return findings;
}

function dataDirFindings(spec: CacheCheckSpec, facts: CacheFacts): Finding[] {
  const dir = spec.settings.dataDir;
  if (isMarkedFor(dir, facts.dataDir)) return [];
  const found = facts.dataDir.state === 'absent' ? 'no such directory' : `not marked as fleet's (no valid ${MARKER_NAME}): --purge-cache would refuse it`;
  return [{ kind: 'data-dir', severity: 'drift', subject: `cache data directory ${dir}`, expected: `created by fleet, with its ${MARKER_NAME} marker`, found, fix: spec.fixCommand }];
}

function firewallFindings(firewall: FirewallSpec, facts: CacheFacts, fix: string): Finding[] {
  const expected = expectedRules(firewall);
  const findings: Finding[] = [];
  const admitted = `port ${firewall.port} open to ${firewall.sources.join(', ') || 'no one'} only`;
  if (facts.chainRules === undefined) {
    findings.push({ kind: 'firewall-rules', severity: 'drift', subject: `iptables chain ${FIREWALL_CHAIN}`, expected: admitted, found: 'no such chain (rules flushed?)', fix });
  } else if (!chainInPlace(firewall, facts)) {
    const have = chainSources(facts.chainRules);
    const missing = firewall.sources.filter((s) => !have.includes(s));
    const extra = have.filter((s) => !firewall.sources.includes(s));
    const parts = [
      ...(missing.length ? [`not admitted: ${missing.join(', ')}`] : []),
      ...(extra.length ? [`admitted but not in the inventory: ${extra.join(', ')}`] : []),
      ...(facts.chainRules.some((r) => r.includes('-j REJECT')) ? [] : ['no final REJECT rule: everyone is admitted']),
    ];
    findings.push({ kind: 'firewall-rules', severity: 'drift', subject: `iptables chain ${FIREWALL_CHAIN}`, expected: admitted, found: parts.join('; ') || `other rules: ${facts.chainRules.slice(1).join(' | ')}`, fix });
  }
  if (!jumpInPlace(firewall, facts)) {
    const jumps = facts.dockerUserRules.filter(isFleetJump);
    const found =
      jumps.length === 0 ? 'no jump: the mirror port is open to everyone who can route to it'
      : jumps.length === 1 && jumps[0] === expected.jump ? 'not the first rule: rules before it decide first'
      : jumps.join(' | ');
    findings.push({ kind: 'firewall-jump', severity: 'drift', subject: `DOCKER-USER jump to ${FIREWALL_CHAIN}`, expected: `first rule: ${expected.jump}`, found, fix });
  }
  return findings;
}

/** The sources a chain admits, as `iptables -S` prints them. */
function chainSources(rules: readonly string[]): string[] {
  return rules.flatMap((rule) => {
    const match = new RegExp(`^-A ${FIREWALL_CHAIN} -s (\\S+) -j RETURN$`).exec(rule);
    return match ? [match[1]!] : [];
  });
}

function persistenceFindings(firewall: FirewallSpec, facts: CacheFacts, fix: string): Finding[] {
  const findings: Finding[] = [];
  const state = (sha: string | undefined) => (sha === undefined ? 'no such file' : 'other content');
  if (facts.firewallScriptSha !== sha256(firewallScript(firewall))) {
    findings.push({ kind: 'persistence-script', severity: 'drift', subject: FIREWALL_SCRIPT, expected: 'the script that installs the mirror firewall', found: state(facts.firewallScriptSha), fix });
  }
  if (facts.dropInSha !== sha256(dockerDropIn())) {
    findings.push({ kind: 'persistence-dropin', severity: 'drift', subject: DOCKER_DROPIN, expected: 'the drop-in that installs the firewall before dockerd starts', found: state(facts.dropInSha), fix });
  } else if (!facts.dropInLoaded) {
    const why = facts.hasSystemctl ? 'systemd has not loaded it (daemon-reload failed?)' : 'no systemctl on this host';
    findings.push({ kind: 'persistence-dropin', severity: 'drift', subject: DOCKER_DROPIN, expected: 'loaded by docker.service', found: `${why}: at the next boot dockerd would publish the mirror port before the firewall exists`, fix });
  }
  if (facts.legacyUnit) {
    findings.push({ kind: 'legacy-unit', severity: 'drift', subject: LEGACY_UNIT, expected: 'gone (replaced by the docker.service drop-in)', found: 'still installed: it runs only after dockerd has started the mirror', fix });
  }
  return findings;
}

function healthFindings(spec: CacheCheckSpec, facts: CacheFacts): Finding[] {
  const findings: Finding[] = [];
  const probe = facts.registryProbe;
  if (probe && !probe.ok) {
    findings.push({ kind: 'registry-unhealthy', severity: 'drift', subject: `GET ${probe.url} on the cache host`, expected: 'HTTP 200', found: probe.detail, fix: `${spec.fixCommand}; if the container runs, see \`docker logs ${CONTAINER_NAME}\`` });
  }
  const stats = facts.cacheStats;
  if (stats && !stats.ok && facts.container?.status === 'running') {
    findings.push({ kind: 'cache-metrics', severity: 'warning', subject: "the registry's proxy counters (debug endpoint in the container)", expected: 'readable', found: stats.detail, fix: spec.fixCommand });
  }
  const use = facts.dataDiskUsePercent;
  if (use !== undefined && use >= spec.diskWarnPercent) {
    findings.push({ kind: 'data-disk', severity: 'warning', subject: `disk holding ${spec.settings.dataDir}`, expected: `under ${spec.diskWarnPercent}% used`, found: `${use}% used`, fix: 'grow the disk or free space on it (the proxy itself deletes blobs once they expire)' });
  }
  return findings;
}
