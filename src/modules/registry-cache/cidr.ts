// IPv4 sources for iptables, written the way `iptables -S` prints them (network/prefix).
import { isIPv4 } from 'node:net';

export function normaliseIPv4Source(source: string): string | undefined {
  const [address, prefixText] = source.split('/');
  if (!address || !isIPv4(address)) return undefined;
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const value = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (value & mask) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.')}/${prefix}`;
}

/** Open to the world (or nearly): the allowlist no longer protects the cache. */
export function isWideOpen(source: string): boolean {
  const prefix = Number(source.split('/')[1] ?? 32);
  return prefix <= 8;
}
