import { verify } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { withCachedSigner } from './key-signing.js';

function parsed(text: string): ParsedKey {
  const key = ssh2.utils.parseKey(text);
  if (key instanceof Error) throw key;
  return Array.isArray(key) ? (key[0] as ParsedKey) : key;
}

describe('withCachedSigner', () => {
  it('signs ed25519 with a key decoded once: the same signature as ssh2, not through ssh2\'s PEM path', () => {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    const original = parsed(pair.private);
    const cached = withCachedSigner(original);
    expect(cached.sign).not.toBe(original.sign); // ssh2's own re-decodes the PEM text on every call
    const data = Buffer.from('session id and userauth request');
    const signature = cached.sign(data);
    expect(signature).toEqual(original.sign(data)); // ed25519 signatures are deterministic
    expect(verify(null, data, original.getPublicPEM(), signature)).toBe(true);
    expect(cached.sign(data.toString('latin1'))).toEqual(signature);
  });

  it('is still a key to ssh2: type, public blob, and parseKey passes it through', () => {
    const original = parsed(ssh2.utils.generateKeyPairSync('ed25519').private);
    const cached = withCachedSigner(original);
    expect(cached.type).toBe('ssh-ed25519');
    expect(cached.getPublicSSH()).toEqual(original.getPublicSSH());
    expect(ssh2.utils.parseKey(cached as unknown as Buffer)).toBe(cached);
  });

  it('leaves other key types as they are', () => {
    const ecdsa = parsed(ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }).private);
    expect(withCachedSigner(ecdsa)).toBe(ecdsa);
  });
});
