// The mirror's firewall: a FLEET-MIRROR chain admitting the allowlist, jumped to first from
// DOCKER-USER, installed by one script (run by apply, and by docker.service before dockerd starts:
// see boot-persistence.ts). Pure.
import { sh } from '../../core/command.js';
import { render } from '../../core/templates.js';
import { FIREWALL_CHAIN, FIREWALL_SCRIPT } from '../../facts/cache-layout.js';
import { REGISTRY_PORT } from './registry-config.js';

export { FIREWALL_CHAIN, FIREWALL_SCRIPT } from '../../facts/cache-layout.js';
export const FIREWALL_COMMENT = 'fleet-mirror';

export interface FirewallSpec {
  readonly port: number;
  /** IPv4 networks as iptables prints them (validated when the inventory is read). */
  readonly sources: readonly string[];
  /** The Docker bridge the container sits on (docker0 unless daemon.json says otherwise). */
  readonly bridge: string;
}

/** A name Linux and iptables accept for an interface, and nothing a shell would expand. */
export function isSafeBridgeName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(name);
}

/**
 * The DOCKER-USER jump's match and target, as iptables arguments and as `iptables -S` prints them.
 * It matches where a connection ends, not how it entered: in FORWARD the packet is already DNATed,
 * so new connections leaving on the bridge for the registry's port cover both the published port
 * and a host on the same L2 routing the container's address through the cache host (which the
 * published port's original destination, `--ctorigdstport`, never sees). The host's own traffic
 * (loopback, docker-proxy) takes OUTPUT, and the container's replies and upstream traffic enter
 * from the bridge: none of them pass here.
 */
function jumpArgs(spec: FirewallSpec): string {
  return sh`-o ${spec.bridge} -p tcp -m tcp --dport ${REGISTRY_PORT} -m conntrack --ctstate NEW -m comment --comment ${FIREWALL_COMMENT} -j ${FIREWALL_CHAIN}`;
}

/** The rules as `iptables -S` prints them, to compare with what a host has. */
export function expectedRules(spec: FirewallSpec): { chain: string[]; jump: string } {
  return {
    chain: [
      `-N ${FIREWALL_CHAIN}`,
      ...spec.sources.map((source) => `-A ${FIREWALL_CHAIN} -s ${source} -j RETURN`),
      `-A ${FIREWALL_CHAIN} -p tcp -j REJECT --reject-with tcp-reset`,
    ],
    jump: `-A DOCKER-USER ${jumpArgs(spec)}`,
  };
}

/**
 * A DOCKER-USER rule (one `iptables -S DOCKER-USER N`) that jumps to fleet's chain: the target
 * always comes last, and a comment holding the same words is printed in quotes before it.
 */
export function isFleetJump(rule: string): boolean {
  return rule.startsWith('-A DOCKER-USER ') && rule.endsWith(` -j ${FIREWALL_CHAIN}`);
}

/**
 * Shell lines deleting every DOCKER-USER rule from number `first` on that jumps to fleet's chain.
 * Each rule is read alone and only matched against a pattern, then deleted by its number (a
 * counter of this loop): no text read from the host is ever evaluated.
 */
export function deleteJumpsScript(first: number): string {
  return [
    `n=${first}`,
    'while rule=$(iptables -w -S DOCKER-USER "$n" 2>/dev/null) && [ -n "$rule" ]; do',
    '  case $rule in',
    `    *' -j ${FIREWALL_CHAIN}') iptables -w -D DOCKER-USER "$n" ;;`,
    '    *) n=$((n + 1)) ;;',
    '  esac',
    'done',
  ].join('\n');
}

export function firewallScript(spec: FirewallSpec): string {
  return render('fleet-mirror-firewall.sh', {
    port: spec.port,
    containerPort: REGISTRY_PORT,
    bridge: spec.bridge,
    sources: spec.sources,
    chain: FIREWALL_CHAIN,
    jump: jumpArgs(spec),
    deleteOtherJumps: deleteJumpsScript(2),
  });
}

/** Take the rules away: every jump to the chain, then the chain. */
export function removeRulesScript(): string {
  return [
    'set -e',
    deleteJumpsScript(1),
    `if iptables -w -n -L ${FIREWALL_CHAIN} >/dev/null 2>&1; then iptables -w -F ${FIREWALL_CHAIN}; iptables -w -X ${FIREWALL_CHAIN}; fi`,
  ].join('\n');
}
