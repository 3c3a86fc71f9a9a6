// What `fleet check` finds on a cache host: the registry container, its env file, the firewall
// and the unit that restores it, the registry's health and its disk. Pure: facts in, findings out.
// No finding carries a secret: the env file and the container's settings are compared by hash.
import type { Finding } from '../core/finding.js';
import { sha256 } from '../core/hash.js';
import type { CacheFacts, ContainerFact } from '../facts/cache-host.js';
import type { CacheSettings } from '../inventory/model.js';
import { chainInPlace, jumpInPlace, planCache } from '../modules/registry-cache/plan.js';
import {
  CONTAINER_NAME,
  ENV_FILE,
  envFileContent,
  expectedRules,
  FIREWALL_CHAIN,
  FIREWALL_SCRIPT,
  FIREWALL_UNIT,
  FIREWALL_UNIT_PATH,
  fleetJumps,
  firewallScript,
  firewallUnit,
  specHash,
  type FirewallSpec,
} from '../modules/registry-cache/spec.js';

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
  const plan = planCache(spec.settings, spec.sources, facts);
  const warnings = plan.warnings.map((message): Finding => ({ kind: 'cache-warning', severity: 'warning', subject: 'cache host', expected: '-', found: message, fix: 'see the message' }));
  if (plan.kind === 'refuse') {
    return [{ kind: 'cache-host-unusable', severity: 'error', subject: 'cache host', expected: 'Docker running, iptables with a DOCKER-USER chain', found: plan.reason, fix: 'fix the host by hand, then check again' }, ...warnings];
  }
  const firewall: FirewallSpec = { port: spec.settings.mirrorPort, sources: spec.sources, bridge: facts.bridge };
  return [
    ...containerFindings(spec, facts.container),
    ...envFileFindings(spec, facts),
    ...firewallFindings(firewall, facts, spec.fixCommand),
    ...persistenceFindings(firewall, facts, spec.fixCommand),
    ...healthFindings(spec, facts),
    ...warnings,
  ];
}

function containerFindings(spec: CacheCheckSpec, container: ContainerFact | undefined): Finding[] {
  const { settings, fixCommand: fix } = spec;
  const subject = `container ${CONTAINER_NAME}`;
  if (!container) {
    return [{ kind: 'container-missing', severity: 'drift', subject, expected: `running ${settings.image}, --restart=always, port ${settings.mirrorPort}->5000`, found: 'no such container', fix }];
  }
  const findings: Finding[] = [];
  if (container.status !== 'running') findings.push({ kind: 'container-stopped', severity: 'drift', subject, expected: 'running', found: container.status || 'unknown state', fix });
  if (container.image !== settings.image) findings.push({ kind: 'container-image', severity: 'drift', subject: `image of ${subject}`, expected: settings.image, found: container.image, fix });
  if (container.hostPort !== settings.mirrorPort) {
    findings.push({ kind: 'container-port', severity: 'drift', subject: `published port of ${subject}`, expected: `${settings.mirrorPort}->5000`, found: container.hostPort === undefined ? 'port 5000 not published' : `${container.hostPort}->5000`, fix });
  }
  if (container.restartPolicy !== 'always') {
    findings.push({ kind: 'container-restart-policy', severity: 'drift', subject: `restart policy of ${subject}`, expected: 'always', found: container.restartPolicy || 'none', fix });
  }
  // Image and port are compared above; a different label with both equal means the upstream,
  // the credentials or the data dir changed. Only their fingerprint is compared, never values.
  if (container.specLabel !== specHash(settings) && container.image === settings.image && container.hostPort === settings.mirrorPort) {
    findings.push({ kind: 'container-settings', severity: 'drift', subject: `settings of ${subject} (upstream URL, credentials, data dir)`, expected: 'as in the inventory', found: container.specLabel ? 'created from other settings (values not shown)' : 'not created by fleet', fix });
  }
  return findings;
}

function envFileFindings(spec: CacheCheckSpec, facts: CacheFacts): Finding[] {
  const fix = spec.fixCommand;
  if (facts.envFileSha === undefined) return [{ kind: 'env-file', severity: 'drift', subject: ENV_FILE, expected: 'the registry settings, mode 0600', found: 'no such file', fix }];
  const findings: Finding[] = [];
  if (facts.envFileSha !== sha256(envFileContent(spec.settings))) {
    findings.push({ kind: 'env-file', severity: 'drift', subject: ENV_FILE, expected: 'the inventory\'s upstream URL and credentials', found: 'other content (values not shown)', fix });
  }
  if (facts.envFileMode !== 0o600) {
    findings.push({ kind: 'env-file-mode', severity: 'drift', subject: `mode of ${ENV_FILE}`, expected: '0600', found: facts.envFileMode === undefined ? 'unknown' : `0${facts.envFileMode.toString(8)}`, fix });
  }
  return findings;
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
    const jumps = fleetJumps(facts.dockerUserRules);
    findings.push({
      kind: 'firewall-jump',
      severity: 'drift',
      subject: `DOCKER-USER jump to ${FIREWALL_CHAIN}`,
      expected: expected.jump,
      found: jumps.length === 0 ? 'no jump: the mirror port is open to everyone who can route to it' : jumps.join(' | '),
      fix,
    });
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
    findings.push({ kind: 'persistence-script', severity: 'drift', subject: FIREWALL_SCRIPT, expected: 'the script that restores the mirror firewall', found: state(facts.firewallScriptSha), fix });
  }
  if (facts.firewallUnitSha !== sha256(firewallUnit())) {
    findings.push({ kind: 'persistence-unit', severity: 'drift', subject: FIREWALL_UNIT_PATH, expected: 'the unit that re-applies the firewall when docker starts', found: state(facts.firewallUnitSha), fix });
  } else if (!facts.unitEnabled) {
    findings.push({ kind: 'persistence-unit', severity: 'drift', subject: FIREWALL_UNIT, expected: 'enabled', found: 'not enabled: the rules are lost at the next docker restart', fix });
  }
  return findings;
}

function healthFindings(spec: CacheCheckSpec, facts: CacheFacts): Finding[] {
  const findings: Finding[] = [];
  const probe = facts.registryProbe;
  if (probe && !probe.ok) {
    findings.push({ kind: 'registry-unhealthy', severity: 'drift', subject: `GET ${probe.url} on the cache host`, expected: 'HTTP 200', found: probe.detail, fix: `${spec.fixCommand}; if the container runs, see \`docker logs ${CONTAINER_NAME}\`` });
  }
  const use = facts.dataDiskUsePercent;
  if (use !== undefined && use >= spec.diskWarnPercent) {
    findings.push({ kind: 'data-disk', severity: 'warning', subject: `disk holding ${spec.settings.dataDir}`, expected: `under ${spec.diskWarnPercent}% used`, found: `${use}% used`, fix: 'grow the disk or free space on it (the proxy itself deletes blobs once they expire)' });
  }
  return findings;
}
