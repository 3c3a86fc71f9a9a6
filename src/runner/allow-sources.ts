// Who may reach the mirror: mirror_allow_cidrs, plus every client of the inventory (not only those
// in --limit) that lies outside them, as IPv4 networks the way iptables prints them. A client
// inside an allowed network gets no rule of its own, so clients that come and go there (an
// autoscaling group) never change the cache host.
import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import type { Inventory } from '../inventory/model.js';
import { containsIPv4, coveringNetwork, normaliseIPv4Source } from '../modules/registry-cache/cidr.js';

export interface AllowSources {
  readonly sources: string[];
  /** What stops the firewall from being computed (the cache host is not touched). */
  readonly problems: string[];
  /** What the operator should know: clients outside every allowed network. */
  readonly warnings: string[];
}

/** A client and its IPv4 addresses (its ansible_host, or what its name resolves to). */
export interface ClientAddresses {
  readonly name: string;
  readonly addresses: readonly string[];
}

export async function allowSources(inventory: Inventory, allowCidrs: readonly string[]): Promise<AllowSources> {
  const problems: string[] = [];
  const clients: ClientAddresses[] = [];
  for (const client of inventory.clients) {
    const address = client.ssh.address;
    if (isIPv4(address)) {
      clients.push({ name: client.name, addresses: [address] });
    } else if (isIPv6(address)) {
      problems.push(`client ${client.name} has an IPv6 address (${address}); the mirror firewall handles IPv4 only: add its IPv4 network to mirror_allow_cidrs`);
    } else {
      try {
        clients.push({ name: client.name, addresses: (await lookup(address, { all: true, family: 4 })).map((found) => found.address) });
      } catch (err) {
        problems.push(`cannot resolve client ${client.name} (${address}) to allow it through the mirror firewall: ${(err as Error).message}`);
      }
    }
  }
  const computed = mirrorSources(clients, allowCidrs);
  return { ...computed, problems: [...problems, ...computed.problems] };
}

/** Pure: the allowed networks first, then a /32 for each client address outside all of them. */
export function mirrorSources(clients: readonly ClientAddresses[], allowCidrs: readonly string[]): AllowSources {
  const networks: string[] = [];
  const problems: string[] = [];
  for (const cidr of allowCidrs) {
    const normalised = normaliseIPv4Source(cidr);
    if (normalised) networks.push(normalised);
    else problems.push(`mirror_allow_cidrs entry ${cidr} is not an IPv4 address or network; IPv6 is not supported by the mirror firewall`);
  }
  const outside = clients.flatMap((c) => c.addresses.filter((a) => !networks.some((n) => containsIPv4(n, a))).map((address) => ({ name: c.name, address })));
  const sources = [...new Set([...networks, ...outside.map((o) => `${o.address}/32`)])];
  return { sources, problems, warnings: outside.length > 0 ? [churnWarning(outside)] : [] };
}

/** Clients with rules of their own change the cache host whenever they come or go: say which, and what would cover them. */
function churnWarning(outside: ReadonlyArray<{ name: string; address: string }>): string {
  const names = outside.map((o) => `${o.name} (${o.address})`);
  const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  const covering = coveringNetwork(outside.map((o) => o.address));
  const prefix = Number(covering.split('/')[1]);
  const perClient = [...new Set(outside.map((o) => normaliseIPv4Source(`${o.address}/24`)!))];
  // One network when it is not much wider than the clients' /24s; else each client's /24.
  const suggestion = prefix >= 24 ? perClient[0]! : prefix >= 16 ? covering : perClient.join(', ');
  return `${outside.length} client address(es) outside mirror_allow_cidrs get a firewall rule each, so the cache host changes whenever such a client joins or leaves: ${shown}. To keep it unchanged, add their network to mirror_allow_cidrs, e.g. ${suggestion}`;
}
