// SSH transport on ssh2: one connection per host for the whole run, host keys checked against
// known_hosts, public-key auth only, optional jump host (bastion) shared by the hosts behind it.

import { connect as netConnect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client, ConnectConfig, KexAlgorithm, ServerHostKeyAlgorithm } from 'ssh2';
import { ConnectError } from '../core/errors.js';
import { ignoreHostKeyAnnouncements } from './host-key-proofs.js';
import { signFirstPublicKeyAuth } from './signed-first-auth.js';
import { fingerprintSha256, keyTypeOf, knownHostsName } from './known-hosts.js';
import { KnownHostsStore } from './known-hosts-store.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, shouldRetry, type RetryPolicy } from './connect-retry.js';
import { KeyedLimiter, type Release } from './limiter.js';
import { AuthSetupError, Credentials, type AuthPlan } from './ssh-auth.js';
import { SshConnection } from './ssh-connection.js';
import { endpoint, forwardFailure, TcpConnectTimeout, toConnectError, type ConnectContext } from './ssh-errors.js';
import type { Connection, SshTarget, Transport } from './transport.js';

export { CommandTimeoutError, ConnectionLostError } from './ssh-connection.js';

export interface SshTransportOptions {
  /** Default `~/.ssh/known_hosts`. */
  readonly knownHostsFile?: string;
  /** Record unknown host keys instead of refusing them. A changed key is always refused. */
  readonly acceptNewHostKeys?: boolean;
  /** TCP connect + SSH handshake + authentication, per attempt. Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Default per-command timeout (ExecOptions.timeoutMs overrides). Default 120000. */
  readonly commandTimeoutMs?: number;
  /**
   * SSH keepalive interval; after `keepaliveCountMax` unanswered ones in a row the connection is
   * dropped, so a host that stops answering fails within interval * (countMax + 1). Default 5000.
   */
  readonly keepaliveIntervalMs?: number;
  /** Default 3. */
  readonly keepaliveCountMax?: number;
  /** Connecting again after a transient failure (refused, reset, handshake timeout). Default 2 retries. */
  readonly connectRetries?: number;
  /** Delay before the first retry, doubled for each further one, with jitter. Default 250. */
  readonly retryBaseDelayMs?: number;
  /** Concurrent exec channels per connection (OpenSSH MaxSessions is 10). Default 8. */
  readonly maxChannelsPerConnection?: number;
  /**
   * Concurrent unauthenticated connections per SSH server dialled (sshd MaxStartups starts
   * dropping beyond 10), and separately per jump host for the handshakes tunnelled through it.
   * Default 8.
   */
  readonly maxHandshakesPerServer?: number;
  /** SSH agent socket; default `SSH_AUTH_SOCK`. `false` or '' disables the agent. */
  readonly agent?: string | false;
  /** Keys tried after the agent when a target names no key file. Default ~/.ssh/id_ed25519, id_ecdsa, id_rsa. */
  readonly identityFiles?: readonly string[];
  /** Disable Nagle on the TCP socket (default true). Only for measurements: off costs ~40 ms per command. */
  readonly tcpNoDelay?: boolean;
}

interface Settings {
  readonly acceptNewHostKeys: boolean;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  readonly keepaliveCountMax: number;
  readonly maxChannelsPerConnection: number;
  readonly tcpNoDelay: boolean;
  readonly retry: RetryPolicy;
}

/** Fast key exchanges first: DH group exchange costs ~2 s of CPU per handshake in ssh2. */
const KEX: KexAlgorithm[] = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group-exchange-sha256',
];

/** Host key algorithms per known_hosts key type; the known types are asked for first. */
const HOST_KEY_ALGORITHMS: Readonly<Record<string, readonly ServerHostKeyAlgorithm[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_HOST_KEY_ORDER = Object.values(HOST_KEY_ALGORITHMS).flat();

interface Hop {
  /** Inventory name reported in ConnectErrors. */
  readonly name: string;
  readonly user: string;
  readonly address: string;
  readonly port: number;
  readonly privateKeyFile: string | undefined;
}

interface JumpEntry {
  readonly client: Client;
  readonly label: string;
  /** Limits handshakes tunnelled through this jump host. */
  readonly limiterKey: string;
  /** Namespace of the servers reached through it (the same address may differ per jump host). */
  readonly serverPrefix: string;
}

export function createSshTransport(options: SshTransportOptions = {}): Transport {
  return new SshTransport(options);
}

class SshTransport implements Transport {
  readonly #settings: Settings;
  readonly #knownHosts: KnownHostsStore;
  readonly #credentials: Credentials;
  readonly #serverLimiter: KeyedLimiter;
  readonly #jumpLimiter: KeyedLimiter;
  readonly #jumps = new Map<string, Promise<JumpEntry>>();
  readonly #jumpClients = new Set<Client>();
  readonly #connections = new Set<SshConnection>();
  #disposed = false;

  constructor(options: SshTransportOptions) {
    const home = homedir();
    const handshakes = positiveInt(options.maxHandshakesPerServer ?? 8, 'maxHandshakesPerServer');
    this.#settings = {
      acceptNewHostKeys: options.acceptNewHostKeys ?? false,
      connectTimeoutMs: positiveInt(options.connectTimeoutMs ?? 10_000, 'connectTimeoutMs'),
      commandTimeoutMs: positiveInt(options.commandTimeoutMs ?? 120_000, 'commandTimeoutMs'),
      keepaliveIntervalMs: Math.max(0, options.keepaliveIntervalMs ?? 5000),
      keepaliveCountMax: Math.max(0, options.keepaliveCountMax ?? 3),
      maxChannelsPerConnection: positiveInt(options.maxChannelsPerConnection ?? 8, 'maxChannelsPerConnection'),
      tcpNoDelay: options.tcpNoDelay ?? true,
      retry: {
        ...DEFAULT_RETRY_POLICY,
        retries: nonNegativeInt(options.connectRetries ?? DEFAULT_RETRY_POLICY.retries, 'connectRetries'),
        baseDelayMs: Math.max(0, options.retryBaseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs),
      },
    };
    this.#knownHosts = new KnownHostsStore(expandHome(options.knownHostsFile ?? join(home, '.ssh', 'known_hosts')));
    const agent = options.agent === undefined ? process.env['SSH_AUTH_SOCK'] : options.agent || undefined;
    const identities = options.identityFiles ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f));
    this.#credentials = new Credentials(agent, identities.map(expandHome));
    this.#serverLimiter = new KeyedLimiter(handshakes);
    this.#jumpLimiter = new KeyedLimiter(handshakes);
  }

  async connect(target: SshTarget): Promise<Connection> {
    if (this.#disposed) throw new ConnectError(target.name, 'other', 'transport already disposed');
    const hop: Hop = {
      name: target.name,
      user: target.user,
      address: target.address,
      port: target.port,
      privateKeyFile: target.privateKeyFile,
    };
    const auth = await this.#plan(hop);
    await this.#loadKnownHosts(target.name);

    let client: Client;
    if (target.jump) {
      const jump = await this.#jump(target, target.jump);
      const via = ` (via jump ${jump.label})`;
      const releaseJump = await this.#jumpLimiter.acquire(jump.limiterKey);
      let releaseServer: Release | undefined;
      try {
        releaseServer = await this.#serverLimiter.acquire(`${jump.serverPrefix}${endpoint(hop.address, hop.port)}`);
        client = await this.#withRetries(hop, auth, via, (deadline) => this.#forward(jump, hop, auth, via, deadline));
      } finally {
        releaseServer?.();
        releaseJump();
      }
    } else {
      const release = await this.#serverLimiter.acquire(endpoint(hop.address, hop.port));
      try {
        client = await this.#withRetries(hop, auth, '', (deadline) => this.#dial(hop, auth, '', deadline));
      } finally {
        release();
      }
    }

    const connection: SshConnection = new SshConnection(client, {
      name: target.name,
      maxChannels: this.#settings.maxChannelsPerConnection,
      commandTimeoutMs: this.#settings.commandTimeoutMs,
      onClosed: () => this.#connections.delete(connection),
    });
    this.#connections.add(connection);
    if (this.#disposed) {
      await connection.close();
      throw new ConnectError(target.name, 'other', 'transport disposed while connecting');
    }
    return connection;
  }

  /** Close the jump connections, and any host connection still open. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    await Promise.all([...this.#connections].map((c) => c.close()));
    const jumps = [...this.#jumpClients];
    this.#jumpClients.clear();
    this.#jumps.clear();
    await Promise.all(jumps.map((c) => endClient(c)));
  }

  async #plan(hop: Hop): Promise<AuthPlan> {
    try {
      return await this.#credentials.plan(hop.user, hop.privateKeyFile);
    } catch (err) {
      if (err instanceof AuthSetupError) throw new ConnectError(hop.name, 'auth', err.message);
      throw err;
    }
  }

  async #loadKnownHosts(name: string): Promise<void> {
    try {
      await this.#knownHosts.load();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new ConnectError(name, 'other', `cannot read ${this.#knownHosts.file}: ${code}`);
    }
  }

  /** Run connect attempts, each with a fresh deadline, retrying transient failures with backoff. */
  async #withRetries(
    hop: Hop,
    auth: AuthPlan,
    via: string,
    attempt: (deadline: number) => Promise<Client>,
  ): Promise<Client> {
    const policy = this.#settings.retry;
    for (let n = 0; ; n++) {
      try {
        return await attempt(Date.now() + this.#settings.connectTimeoutMs);
      } catch (err) {
        const error = toConnectError(err, this.#context(hop, auth, via));
        if (this.#disposed || !shouldRetry(n, error.transient, policy)) {
          if (n === 0) throw error;
          throw new ConnectError(error.host, error.reason, `${error.message} (after ${n + 1} attempts)`, error.transient);
        }
        await sleep(backoffDelayMs(n, policy));
      }
    }
  }

  async #dial(hop: Hop, auth: AuthPlan, via: string, deadline: number): Promise<Client> {
    const sock = await tcpConnect(hop.address, hop.port, deadline - Date.now(), this.#settings.tcpNoDelay);
    return this.#handshake(sock, hop, auth, via, deadline);
  }

  async #forward(jump: JumpEntry, hop: Hop, auth: AuthPlan, via: string, deadline: number): Promise<Client> {
    const ctx = this.#context(hop, auth, via);
    const stream = await new Promise<Duplex>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ConnectError(hop.name, 'timeout', `timed out connecting to ${endpoint(hop.address, hop.port)}${via}`)),
        Math.max(1, deadline - Date.now()),
      );
      try {
        jump.client.forwardOut('127.0.0.1', 0, hop.address, hop.port, (err, channel) => {
          clearTimeout(timer);
          if (err) reject(forwardFailure(err, ctx));
          else resolve(channel);
        });
      } catch (err) {
        clearTimeout(timer);
        reject(forwardFailure(err, ctx));
      }
    });
    return this.#handshake(stream, hop, auth, via, deadline);
  }

  /** SSH handshake, host key check and authentication over an open stream. */
  #handshake(sock: Duplex, hop: Hop, auth: AuthPlan, via: string, deadline: number): Promise<Client> {
    const ctx = this.#context(hop, auth, via);
    return new Promise<Client>((resolve, reject) => {
      const client = new ssh2.Client();
      let settled = false;
      let hostKeyError: ConnectError | undefined;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        client.removeListener('ready', onReady);
        client.destroy();
        sock.destroy();
        reject(hostKeyError ?? toConnectError(err, ctx));
      };
      const onReady = (): void => {
        if (settled) return;
        settled = true;
        resolve(client);
      };
      // Errors after the handshake are handled by SshConnection; this keeps stray ones from crashing.
      client.on('error', (err) => fail(err));
      client.once('ready', onReady);
      client.once('close', () => fail(new Error('Connection lost before handshake')));

      const known = this.#knownHosts.knownKeyTypes(hop.address, hop.port);
      const preferred = known.flatMap((t) => HOST_KEY_ALGORITHMS[t] ?? []);
      const serverHostKey = [...new Set([...preferred, ...DEFAULT_HOST_KEY_ORDER])];

      const config: ConnectConfig = {
        sock: sock as ConnectConfig['sock'],
        username: hop.user,
        readyTimeout: Math.max(1, deadline - Date.now()),
        keepaliveInterval: this.#settings.keepaliveIntervalMs,
        keepaliveCountMax: this.#settings.keepaliveCountMax,
        algorithms: { kex: KEX, serverHostKey },
        authHandler: auth.methods,
        hostVerifier: (key: Buffer, verify: (valid: boolean) => void): void => {
          this.#verifyHostKey(hop, via, key).then(
            () => verify(true),
            (err: ConnectError) => {
              hostKeyError = err;
              verify(false);
            },
          );
        },
      };
      try {
        client.connect(config);
        ignoreHostKeyAnnouncements(client);
        signFirstPublicKeyAuth(client);
      } catch (err) {
        fail(err);
      }
    });
  }

  async #verifyHostKey(hop: Hop, via: string, key: Buffer): Promise<void> {
    const where = `${endpoint(hop.address, hop.port)}${via}`;
    const type = keyTypeOf(key) ?? 'unknown-type';
    const offered = `${type} ${fingerprintSha256(key)}`;
    let check = this.#knownHosts.check(hop.address, hop.port, key);
    if (check.status === 'unknown' && this.#settings.acceptNewHostKeys) {
      try {
        check = await this.#knownHosts.add(hop.address, hop.port, key);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        throw new ConnectError(hop.name, 'other', `cannot add the host key of ${where} to ${this.#knownHosts.file}: ${code}`);
      }
      if (check.status === 'unknown') return; // recorded just now
    }
    switch (check.status) {
      case 'ok':
        return;
      case 'unknown':
        throw new ConnectError(
          hop.name,
          'host-key-unknown',
          `host key of ${where} is not known (${offered}): add it to ${this.#knownHosts.file} or use --accept-new-host-keys`,
        );
      case 'revoked':
        throw new ConnectError(
          hop.name,
          'host-key-changed',
          `host key of ${where} is REVOKED (${offered}, ${this.#knownHosts.file}:${check.entry.line}); refusing to connect`,
        );
      case 'changed': {
        const lines = check.known.map((e) => e.line).join(',');
        const sameType = check.known.some((e) => e.keyType === type);
        const detail = sameType ? '' : ` (known_hosts only has ${[...new Set(check.known.map((e) => e.keyType))].join(', ')} keys for it)`;
        throw new ConnectError(
          hop.name,
          'host-key-changed',
          `HOST KEY OF ${where} HAS CHANGED: it now offers ${offered}${detail}; ` +
            `known key at ${this.#knownHosts.file}:${lines}. Possible man-in-the-middle attack; ` +
            `if the change is expected, run: ssh-keygen -R '${knownHostsName(hop.address, hop.port)}'`,
        );
      }
    }
  }

  /** The shared connection to a jump host, opened on first use. */
  async #jump(target: SshTarget, jump: NonNullable<SshTarget['jump']>): Promise<JumpEntry> {
    const label = `${jump.user}@${endpoint(jump.address, jump.port)}`;
    // Hosts naming different key files get separate jump connections, authenticated with that key.
    const key = `${label}|${target.privateKeyFile ?? ''}`;
    let pending = this.#jumps.get(key);
    if (!pending) {
      pending = this.#openJump(target, jump, label, key);
      this.#jumps.set(key, pending);
    }
    try {
      return await pending;
    } catch (err) {
      const inner = err instanceof Error ? err.message : String(err);
      if (err instanceof ConnectError && err.reason.startsWith('host-key-')) {
        throw new ConnectError(target.name, err.reason, `jump host ${label}: ${inner}`);
      }
      throw new ConnectError(target.name, 'jump', `jump host ${label}: ${inner}`);
    }
  }

  async #openJump(
    target: SshTarget,
    jump: NonNullable<SshTarget['jump']>,
    label: string,
    key: string,
  ): Promise<JumpEntry> {
    const hop: Hop = {
      name: target.name,
      user: jump.user,
      address: jump.address,
      port: jump.port,
      privateKeyFile: target.privateKeyFile,
    };
    const auth = await this.#plan(hop);
    const release = await this.#serverLimiter.acquire(endpoint(jump.address, jump.port));
    let client: Client;
    try {
      client = await this.#withRetries(hop, auth, '', (deadline) => this.#dial(hop, auth, '', deadline));
    } finally {
      release();
    }
    this.#jumpClients.add(client);
    client.on('error', () => {
      // Reported to the hosts behind it, through their own connections.
    });
    client.once('close', () => {
      this.#jumpClients.delete(client);
      // A jump connection that dies mid-run is re-opened by the next host that needs it.
      if (this.#jumps.get(key) === entry) this.#jumps.delete(key);
    });
    const value: JumpEntry = {
      client,
      label,
      limiterKey: endpoint(jump.address, jump.port),
      serverPrefix: `${endpoint(jump.address, jump.port)}>`,
    };
    const entry = Promise.resolve(value);
    this.#jumps.set(key, entry);
    if (this.#disposed) await endClient(client);
    return value;
  }

  #context(hop: Hop, auth: AuthPlan, via: string): ConnectContext {
    return {
      name: hop.name,
      user: hop.user,
      address: hop.address,
      port: hop.port,
      timeoutMs: this.#settings.connectTimeoutMs,
      via,
      offered: auth.offered,
    };
  }
}

function tcpConnect(host: string, port: number, timeoutMs: number, noDelay: boolean): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host, port });
    if (noDelay) sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new TcpConnectTimeout(`connect to ${endpoint(host, port)} timed out`));
    }, Math.max(1, timeoutMs));
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeListener('error', onError);
      resolve(sock);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    sock.once('error', onError);
  });
}

function endClient(client: Client, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, timeoutMs);
    timer.unref();
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number of at least 0, got ${value}`);
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

