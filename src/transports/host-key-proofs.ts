// OpenSSH's sshd announces all its host keys after authentication (hostkeys-00@openssh.com, for
// clients that update known_hosts). ssh2 answers every announcement by asking the server to prove
// it holds each key (hostkeys-prove-00@openssh.com): the host signs with every host key it has
// (RSA signing costs the most), and the reply is parsed and each signature verified here; one more
// request on every connection, for keys fleet never looks at (it checks the key of the key
// exchange against known_hosts and never updates the file). This makes ssh2 ignore the
// announcement, as OpenSSH's ssh does without UpdateHostKeys; a want-reply one is refused, as any
// unknown global request is.

import type { Client } from 'ssh2';

type GlobalRequestHandler = (proto: unknown, name: string, wantReply: boolean, data: unknown) => void;

interface Ssh2Internals {
  _protocol?: { _handlers?: { GLOBAL_REQUEST?: GlobalRequestHandler }; requestFailure?: () => void };
}

export const HOST_KEYS_ANNOUNCEMENT = 'hostkeys-00@openssh.com';

/**
 * Call right after client.connect(): ssh2 creates its protocol handlers there. Should a later
 * ssh2 keep them elsewhere, this does nothing and the proofs are merely requested as before.
 */
export function ignoreHostKeyAnnouncements(client: Client): void {
  const proto = (client as unknown as Ssh2Internals)._protocol;
  const handlers = proto?._handlers;
  const original = handlers?.GLOBAL_REQUEST;
  if (!handlers || typeof original !== 'function') return;
  handlers.GLOBAL_REQUEST = (p, name, wantReply, data) => {
    if (name !== HOST_KEYS_ANNOUNCEMENT) return original(p, name, wantReply, data);
    if (wantReply) proto?.requestFailure?.();
  };
}
