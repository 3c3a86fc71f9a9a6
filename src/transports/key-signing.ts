// ssh2 signs with a private key by handing its PEM text to crypto.sign(), so OpenSSL decodes the
// PEM again for every signature: ~1.5 ms of CPU per connection's authentication, where signing
// with a KeyObject decoded once costs ~0.1 ms. At one signature per host and thousands of hosts
// per run, that is most of the handshake's cost on the control node.

import { createPrivateKey, sign } from 'node:crypto';
import type { ParsedKey } from 'ssh2';

/**
 * `key`, signing through a KeyObject decoded once (ed25519, the key type that needs no hash
 * choice: the signature is the same bytes ssh2 makes); other key types are returned as they are.
 * The result is still a ParsedKey to ssh2 (everything else is inherited from `key`).
 */
export function withCachedSigner(key: ParsedKey): ParsedKey {
  if (key.type !== 'ssh-ed25519' || !key.isPrivateKey()) return key;
  const privateKey = createPrivateKey(key.getPrivatePEM());
  const cached = Object.create(key) as ParsedKey;
  // As ssh2's own: a failure is returned, not thrown (its types do not say so).
  cached.sign = ((data: Buffer | string): Buffer | Error => {
    try {
      return sign(null, typeof data === 'string' ? Buffer.from(data) : data, privateKey);
    } catch (err) {
      return err as Error;
    }
  }) as ParsedKey['sign'];
  return cached;
}
