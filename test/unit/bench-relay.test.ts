// The latency relay's pure parts: delivery times per direction, the TCP handshake's delay, the
// round-trip count, and the relayed inventory's known_hosts.
import { describe, expect, it } from 'vitest';
import { DelayLine, serverOpenAt, TurnCounter } from '../bench/delay-line.mjs';
import { relayedHosts, relayedKnownHosts } from '../bench/latency.mjs';

describe('DelayLine', () => {
  it('delivers each chunk a fixed delay after it arrived, in order', () => {
    const line = new DelayLine(15);
    expect(line.push('a', 0)).toBe(15);
    expect(line.push('b', 4)).toBe(19);
    expect(line.nextDue()).toBe(15);
    expect(line.takeDue(14)).toEqual([]);
    expect(line.takeDue(15)).toEqual(['a']);
    expect(line.takeDue(100)).toEqual(['b']);
    expect(line.nextDue()).toBeUndefined();
  });

  it('delays bytes, not connections: chunks arriving together leave together', () => {
    const line = new DelayLine(15);
    for (const c of ['a', 'b', 'c']) line.push(c, 10);
    expect(line.takeDue(25)).toEqual(['a', 'b', 'c']);
  });

  it('holds the client\'s first bytes until the server side is connected, keeping order', () => {
    const open = serverOpenAt(100, 15);
    expect(open).toBe(145); // SYN, SYN-ACK, then the ACK carrying the first bytes
    const line = new DelayLine(15, open);
    expect(line.push('banner', 100)).toBe(145);
    expect(line.push('later', 140)).toBe(155);
    // A chunk never overtakes an earlier one, even if its own due time would be earlier.
    const held = new DelayLine(15, 145);
    held.push('x', 100);
    expect(held.push('y', 101)).toBe(145);
    expect(held.takeDue(145)).toEqual(['x', 'y']);
  });

  it('refuses a negative delay', () => {
    expect(() => new DelayLine(-1)).toThrow(/delay/);
  });
});

describe('TurnCounter', () => {
  it('counts the TCP handshake plus each time the client speaks after hearing back', () => {
    const t = new TurnCounter();
    t.sent(); // banner on connect: not a turn
    t.received();
    t.received(); // server banner + KEXINIT
    t.sent(); // KEXINIT + ECDH init: turn 1
    t.sent(); // more bytes before any reply: same turn
    t.received();
    t.sent(); // turn 2
    expect(t.turns).toBe(2);
    expect(t.roundTrips).toBe(3);
  });

  it('counts nothing but the handshake when the server never answers', () => {
    const t = new TurnCounter();
    t.sent();
    t.sent();
    expect(t.roundTrips).toBe(1);
  });
});

describe('relayed lab', () => {
  const hosts = [{ name: 'fb-1', address: '10.78.1.2' }, { name: 'fb-2', address: '10.78.1.3' }];

  it('gives every host its own port on the relay address', () => {
    expect(relayedHosts(hosts, '10.78.0.1', 20000)).toEqual([
      { name: 'fb-1', address: '10.78.0.1', port: 20001, upstream: '10.78.1.2' },
      { name: 'fb-2', address: '10.78.0.1', port: 20002, upstream: '10.78.1.3' },
    ]);
  });

  it('records each host\'s key under its relayed [address]:port', () => {
    const known = '10.78.1.2 ssh-ed25519 AAAAkey1\n10.78.1.3 ssh-ed25519 AAAAkey2 comment\n';
    expect(relayedKnownHosts(known, relayedHosts(hosts, '10.78.0.1', 20000))).toBe(
      '[10.78.0.1]:20001 ssh-ed25519 AAAAkey1\n[10.78.0.1]:20002 ssh-ed25519 AAAAkey2\n',
    );
    expect(() => relayedKnownHosts('', relayedHosts(hosts, '10.78.0.1'))).toThrow(/no host key for 10.78.1.2/);
  });
});
