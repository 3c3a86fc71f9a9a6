// Public-key authentication in one round trip instead of two. ssh2 first asks whether the server
// would accept a key (a USERAUTH_REQUEST without signature), and signs only after USERAUTH_PK_OK.
// RFC 4252 lets a client send the signed request right away; the server then checks the key once
// (sshd reads authorized_keys once instead of twice) and answers SUCCESS or FAILURE, which ssh2
// handles as after the query. Only for key files fleet holds in memory (ed25519, signing costs
// ~0.1 ms); agent keys keep the query, as an agent may ask its user before each signature.

import type { Client, ParsedKey } from 'ssh2';

type SignCallback = (data: Buffer, done: (signature: Buffer) => void) => void;
type AuthPk = (username: string, key: unknown, keyAlgo?: string | SignCallback, cbSign?: SignCallback) => void;

interface Ssh2Internals {
  _protocol?: { authPK?: AuthPk };
}

function isSigningKey(key: unknown): key is ParsedKey {
  const k = key as Partial<ParsedKey> | null;
  return typeof k?.isPrivateKey === 'function' && k.isPrivateKey() && k.type === 'ssh-ed25519' && typeof k.sign === 'function';
}

/** Call right after client.connect() (ssh2 creates its protocol object there); otherwise no-op. */
export function signFirstPublicKeyAuth(client: Client): void {
  const proto = (client as unknown as Ssh2Internals)._protocol;
  const authPK = proto?.authPK;
  if (!proto || typeof authPK !== 'function') return;
  proto.authPK = function (this: unknown, username, key, keyAlgo, cbSign) {
    if (cbSign !== undefined || typeof keyAlgo === 'function' || !isSigningKey(key)) {
      return authPK.call(this, username, key, keyAlgo, cbSign);
    }
    let signed = false;
    authPK.call(this, username, key, keyAlgo, (data, done) => {
      const signature = key.sign(data);
      if (signature instanceof Error) return;
      signed = true;
      done(signature);
    });
    // Could not sign: ask first, as ssh2 does; its USERAUTH_PK_OK handler signs (or reports) then.
    if (!signed) authPK.call(this, username, key, keyAlgo);
  };
}
