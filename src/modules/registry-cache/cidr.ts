// IPv4 sources for iptables, written the way `iptables -S` prints them (network/prefix), and the
// arithmetic the mirror allowlist needs (is an address inside a network, which network covers a set).
import { isIPv4 } from 'node:net';

export function normaliseIPv4Source(source: string): string | undefined {
  const [address, prefixText] = source.split('/');
  if (!address || !isIPv4(address)) return undefined;
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  return formatNetwork(toNumber(address), prefix);
}

/** Open to the world (or nearly): the allowlist no longer protects the cache. */
export function isWideOpen(source: string): boolean {
  const prefix = Number(source.split('/')[1] ?? 32);
  return prefix <= 8;
}

/** `address` (IPv4) lies inside `network` (a normalised source, `a.b.c.d/n`). */
export function containsIPv4(network: string, address: string): boolean {
  const [base, prefixText] = network.split('/');
  const prefix = Number(prefixText);
  return (toNumber(address) & maskOf(prefix)) >>> 0 === toNumber(base!);
}

/** The smallest network holding every address (IPv4, at least one). */
export function coveringNetwork(addresses: readonly string[]): string {
  const values = addresses.map(toNumber);
  let prefix = 32;
  while (prefix > 0 && new Set(values.map((v) => (v & maskOf(prefix)) >>> 0)).size > 1) prefix--;
  return formatNetwork(values[0]!, prefix);
}

function toNumber(address: string): number {
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function formatNetwork(value: number, prefix: number): string {
  const network = (value & maskOf(prefix)) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.')}/${prefix}`;
}
