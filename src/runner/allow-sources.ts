// Who may reach the mirror: every client of the inventory (not only those in --limit) plus
// mirror_allow_cidrs, as IPv4 networks the way iptables prints them.
import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import type { Inventory } from '../inventory/model.js';
import { normaliseIPv4Source } from '../modules/registry-cache/cidr.js';

export async function allowSources(inventory: Inventory, allowCidrs: readonly string[]): Promise<{ sources: string[]; problems: string[] }> {
  const sources: string[] = [];
  const problems: string[] = [];
  for (const client of inventory.clients) {
    const address = client.ssh.address;
    if (isIPv4(address)) {
      sources.push(`${address}/32`);
    } else if (isIPv6(address)) {
      problems.push(`client ${client.name} has an IPv6 address (${address}); the mirror firewall handles IPv4 only: add its IPv4 network to mirror_allow_cidrs`);
    } else {
      try {
        for (const found of await lookup(address, { all: true, family: 4 })) sources.push(`${found.address}/32`);
      } catch (err) {
        problems.push(`cannot resolve client ${client.name} (${address}) to allow it through the mirror firewall: ${(err as Error).message}`);
      }
    }
  }
  for (const cidr of allowCidrs) {
    const normalised = normaliseIPv4Source(cidr);
    if (normalised) sources.push(normalised);
    else problems.push(`mirror_allow_cidrs entry ${cidr} is not an IPv4 address or network; IPv6 is not supported by the mirror firewall`);
  }
  return { sources: [...new Set(sources)], problems };
}
