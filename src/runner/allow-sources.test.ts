import { describe, expect, it } from 'vitest';
import { containsIPv4, coveringNetwork } from '../modules/registry-cache/cidr.js';
import { mirrorSources } from './allow-sources.js';

const clients = (...addresses: string[]) => addresses.map((a, i) => ({ name: `c${i + 1}`, addresses: [a] }));

describe('mirrorSources', () => {
  it('gives clients inside mirror_allow_cidrs no rule of their own, and warns of none', () => {
    expect(mirrorSources(clients('10.77.2.1', '10.77.2.2'), ['10.77.2.0/24'])).toEqual({ sources: ['10.77.2.0/24'], problems: [], warnings: [] });
  });

  it('leaves the sources unchanged when clients come and go inside the allowed networks', () => {
    const two = mirrorSources(clients('10.77.2.1', '10.77.2.2'), ['10.77.2.0/24', '192.0.2.7']);
    const three = mirrorSources(clients('10.77.2.1', '10.77.2.2', '10.77.2.3'), ['10.77.2.0/24', '192.0.2.7']);
    const one = mirrorSources(clients('10.77.2.3'), ['10.77.2.0/24', '192.0.2.7']);
    expect(three.sources).toEqual(two.sources);
    expect(one.sources).toEqual(two.sources);
    expect(two.sources).toEqual(['10.77.2.0/24', '192.0.2.7/32']);
  });

  it('gives a client outside every allowed network its own /32, and warns with a network that covers them', () => {
    const r = mirrorSources(clients('10.77.2.1', '10.1.4.9', '10.1.7.20'), ['10.77.2.0/24']);
    expect(r.sources).toEqual(['10.77.2.0/24', '10.1.4.9/32', '10.1.7.20/32']);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^2 client address\(es\) outside mirror_allow_cidrs .* changes whenever such a client joins or leaves: c2 \(10\.1\.4\.9\), c3 \(10\.1\.7\.20\)\. .*e\.g\. 10\.1\.4\.0\/22$/);
  });

  it('suggests the /24 of clients close together, and each client\'s /24 when they are far apart', () => {
    expect(mirrorSources(clients('192.0.2.10', '192.0.2.11'), []).warnings[0]).toMatch(/e\.g\. 192\.0\.2\.0\/24$/);
    expect(mirrorSources(clients('10.0.0.5'), []).warnings[0]).toMatch(/e\.g\. 10\.0\.0\.0\/24$/);
    expect(mirrorSources(clients('10.0.0.5', '172.16.3.4', '10.0.0.9'), []).warnings[0]).toMatch(/e\.g\. 10\.0\.0\.0\/24, 172\.16\.3\.0\/24$/);
  });

  it('checks every address of a client that resolves to several, and names at most five clients', () => {
    const r = mirrorSources([{ name: 'multi', addresses: ['10.77.2.5', '10.9.9.9'] }], ['10.77.2.0/24']);
    expect(r.sources).toEqual(['10.77.2.0/24', '10.9.9.9/32']);
    const many = mirrorSources(clients(...Array.from({ length: 7 }, (_, i) => `192.0.2.${i + 1}`)), []);
    expect(many.warnings[0]).toContain('c5 (192.0.2.5) and 2 more');
  });

  it('reports an entry that is not IPv4 and keeps the rest', () => {
    const r = mirrorSources(clients('10.0.0.1'), ['2001:db8::/32', '10.0.0.0/8']);
    expect(r.problems).toEqual([expect.stringMatching(/2001:db8::\/32 is not an IPv4 address or network/)]);
    expect(r.sources).toEqual(['10.0.0.0/8']);
  });
});

describe('IPv4 network arithmetic', () => {
  it.each([
    ['10.77.2.0/24', '10.77.2.255', true],
    ['10.77.2.0/24', '10.77.3.0', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['192.0.2.7/32', '192.0.2.7', true],
    ['192.0.2.7/32', '192.0.2.8', false],
    ['128.0.0.0/1', '200.1.1.1', true],
    ['128.0.0.0/1', '127.255.255.255', false],
  ])('%s contains %s: %s', (network, address, inside) => {
    expect(containsIPv4(network, address)).toBe(inside);
  });

  it('finds the smallest covering network', () => {
    expect(coveringNetwork(['10.0.0.1'])).toBe('10.0.0.1/32');
    expect(coveringNetwork(['10.0.0.1', '10.0.0.2'])).toBe('10.0.0.0/30');
    expect(coveringNetwork(['10.1.4.9', '10.1.7.20'])).toBe('10.1.4.0/22');
    expect(coveringNetwork(['1.0.0.0', '255.0.0.0'])).toBe('0.0.0.0/0');
  });
});
