// Public-key authentication plans: which keys (files, agent) to offer, in which order.
// Each key file is read and parsed once per run. Key material never appears in messages.

import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, BaseAgent, ParsedKey } from 'ssh2';
import { withCachedSigner } from './key-signing.js';

type LoadedKey =
  | { readonly kind: 'key'; readonly key: ParsedKey }
  | { readonly kind: 'encrypted' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly message: string };

export interface AuthPlan {
  readonly methods: AnyAuthMethod[];
  /** What is offered, for messages: ["key ~/.ssh/fleet", "SSH agent"]. */
  readonly offered: string[];
}

/** Why no plan could be made; the caller wraps it in a ConnectError with reason 'auth'. */
export class AuthSetupError extends Error {
  override name = 'AuthSetupError';
}

export class Credentials {
  readonly #keys = new Map<string, Promise<LoadedKey>>();
  readonly #agent: BaseAgent | undefined;

  /**
   * @param agentSocket SSH agent socket path; undefined or '' for none.
   * @param identityFiles keys tried (after the agent) when a target names no key file.
   */
  constructor(
    agentSocket: string | undefined,
    readonly identityFiles: readonly string[],
  ) {
    this.#agent = agentSocket ? ssh2.createAgent(agentSocket) : undefined;
  }

  /**
   * With a key file: that key, then the agent (an encrypted file is left to the agent, which
   * presumably holds it). Without one: the agent, then the default identity files that exist.
   */
  async plan(username: string, privateKeyFile: string | undefined): Promise<AuthPlan> {
    const methods: AnyAuthMethod[] = [];
    const offered: string[] = [];
    const agent = (): void => {
      if (!this.#agent) return;
      methods.push({ type: 'agent', username, agent: this.#agent });
      offered.push('SSH agent');
    };

    if (privateKeyFile !== undefined) {
      const loaded = await this.#load(privateKeyFile);
      switch (loaded.kind) {
        case 'key':
          methods.push({ type: 'publickey', username, key: loaded.key });
          offered.push(`key ${privateKeyFile}`);
          break;
        case 'encrypted':
          if (!this.#agent) {
            throw new AuthSetupError(
              `private key ${privateKeyFile} is encrypted: encrypted keys need an SSH agent (ssh-add ${privateKeyFile})`,
            );
          }
          break;
        case 'missing':
          throw new AuthSetupError(`private key file ${privateKeyFile} not found`);
        case 'unreadable':
          throw new AuthSetupError(`cannot use private key ${privateKeyFile}: ${loaded.message}`);
      }
      agent();
      return { methods, offered };
    }

    agent();
    for (const file of this.identityFiles) {
      const loaded = await this.#load(file);
      if (loaded.kind === 'key') {
        methods.push({ type: 'publickey', username, key: loaded.key });
        offered.push(`key ${file}`);
      }
    }
    if (methods.length === 0) {
      throw new AuthSetupError('no SSH key to offer: set a private key file for the host or start an SSH agent');
    }
    return { methods, offered };
  }

  #load(file: string): Promise<LoadedKey> {
    let pending = this.#keys.get(file);
    if (!pending) {
      pending = loadKey(file);
      this.#keys.set(file, pending);
    }
    return pending;
  }
}

async function loadKey(file: string): Promise<LoadedKey> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', message: code === 'EACCES' ? 'permission denied' : String(code ?? 'read error') };
  }
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/encrypted|passphrase/i.test(parsed.message)) return { kind: 'encrypted' };
    return { kind: 'unreadable', message: 'not a supported private key' };
  }
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (!key || !key.isPrivateKey()) return { kind: 'unreadable', message: 'not a private key' };
  return { kind: 'key', key: withCachedSigner(key) };
}
