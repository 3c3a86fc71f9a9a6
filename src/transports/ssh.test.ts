import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Connection as ServerConnection, ParsedKey } from 'ssh2';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectError } from '../core/errors.js';
import { fingerprintSha256, hashHostName } from './known-hosts.js';
import { CommandTimeoutError, ConnectionLostError, createSshTransport, type SshTransportOptions } from './ssh.js';
import type { SshTarget, Transport } from './transport.js';

// ---------------------------------------------------------------------------------------------
// In-process SSH peer: public-key auth, exec runs `sh -c`, optional direct-tcpip forwarding.

interface KeyPair {
  readonly private: string;
  readonly blob: Buffer;
  readonly b64: string;
}

function keyPair(opts?: { passphrase: string }): KeyPair {
  // ssh2's keygen strips every leading zero byte of the ed25519 public key, so about 1 pair in 256
  // comes out malformed (mscdex/ssh2#1390): neither half parses, and the server cannot load it as
  // a host key. With ~45 pairs per run that broke ~15% of runs, in whichever test drew the bad pair.
  // The public half shows it; parsing it costs nothing, unlike decrypting an encrypted private key.
  for (;;) {
    const pair = opts
      ? // Few KDF rounds: the tests only need the key to be encrypted, and 16 rounds cost ~0.6 s of CPU.
        ssh2.utils.generateKeyPairSync('ed25519', { passphrase: opts.passphrase, cipher: 'aes256-ctr', rounds: 2 })
      : ssh2.utils.generateKeyPairSync('ed25519');
    const b64 = pair.public.split(' ')[1] ?? '';
    const blob = Buffer.from(b64, 'base64');
    if (ssh2.utils.parseKey(pair.public) instanceof Error) continue;
    if (!opts && ssh2.utils.parseKey(pair.private) instanceof Error) continue;
    return { private: pair.private, blob, b64 };
  }
}

interface ServerStats {
  connections: number;
  handshaking: number;
  maxHandshaking: number;
  openChannels: number;
  maxOpenChannels: number;
  /** Names of the global requests clients sent. */
  globalRequests: string[];
  /** Public-key requests received: a query (no signature) or signed. */
  publicKeyRequests: Array<'query' | 'signed'>;
}

interface TestServer {
  readonly port: number;
  readonly hostKey: KeyPair;
  readonly stats: ServerStats;
  /** End every client connection from the server side. */
  dropAll(): void;
  close(): Promise<void>;
}

interface ServerOptions {
  readonly hostKey?: KeyPair;
  readonly authorized: KeyPair;
  readonly authDelayMs?: number;
  readonly forwarding?: boolean;
  /** Refuse session channels beyond this many open (like sshd MaxSessions). */
  readonly maxSessions?: number;
  /** Handshakes in progress, counted across every server given the same gauge. */
  readonly handshakeGauge?: { current: number; max: number };
  /** After authentication, announce the host key as OpenSSH's sshd does (hostkeys-00@openssh.com). */
  readonly announceHostKeys?: boolean;
}

// ssh2's server neither sends nor reports these global requests: reach into its protocol layer.
type GlobalRequestHandler = (p: unknown, name: string, wantReply: boolean, data: unknown) => void;
interface ServerProtocol {
  _handlers: { GLOBAL_REQUEST?: GlobalRequestHandler };
  _packetRW: { write: { allocStart: number; alloc(n: number): Buffer; finalize(packet: Buffer): Buffer } };
}
const { sendPacket } = createRequire(import.meta.url)('ssh2/lib/protocol/utils.js') as { sendPacket: (proto: ServerProtocol, packet: Buffer) => void };

function recordGlobalRequests(client: ServerConnection, names: string[]): void {
  const proto = (client as unknown as { _protocol: ServerProtocol })._protocol;
  const original = proto._handlers.GLOBAL_REQUEST;
  proto._handlers.GLOBAL_REQUEST = (p, name, wantReply, data) => {
    names.push(name);
    original?.(p, name, wantReply, data);
  };
}

/** SSH_MSG_GLOBAL_REQUEST "hostkeys-00@openssh.com", want_reply false, the host key blob. */
function announceHostKey(client: ServerConnection, blob: Buffer): void {
  const proto = (client as unknown as { _protocol: ServerProtocol })._protocol;
  const name = Buffer.from('hostkeys-00@openssh.com');
  const w = proto._packetRW.write;
  const start = w.allocStart;
  const packet = w.alloc(1 + 4 + name.length + 1 + 4 + blob.length);
  packet[start] = 80;
  packet.writeUInt32BE(name.length, start + 1);
  name.copy(packet, start + 5);
  packet[start + 5 + name.length] = 0;
  packet.writeUInt32BE(blob.length, start + 6 + name.length);
  blob.copy(packet, start + 10 + name.length);
  sendPacket(proto, w.finalize(packet));
}

async function startServer(opts: ServerOptions): Promise<TestServer> {
  const hostKey = opts.hostKey ?? keyPair();
  const userKey = ssh2.utils.parseKey(opts.authorized.private) as ParsedKey;
  const stats: ServerStats = {
    connections: 0,
    handshaking: 0,
    maxHandshaking: 0,
    openChannels: 0,
    maxOpenChannels: 0,
    globalRequests: [],
    publicKeyRequests: [],
  };
  const clients = new Set<ServerConnection>();
  const server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    clients.add(client);
    stats.connections++;
    stats.handshaking++;
    stats.maxHandshaking = Math.max(stats.maxHandshaking, stats.handshaking);
    const gauge = opts.handshakeGauge;
    if (gauge) gauge.max = Math.max(gauge.max, ++gauge.current);
    let handshaking = true;
    const handshakeDone = (): void => {
      if (handshaking) {
        stats.handshaking--;
        if (gauge) gauge.current--;
      }
      handshaking = false;
    };
    client.on('error', () => undefined);
    recordGlobalRequests(client, stats.globalRequests);
    client.on('close', () => {
      handshakeDone();
      clients.delete(client);
    });
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey') stats.publicKeyRequests.push(ctx.signature ? 'signed' : 'query');
      if (ctx.method !== 'publickey' || ctx.username !== 'fleet') return ctx.reject(['publickey']);
      const pub = userKey.getPublicSSH();
      if (ctx.key.data.length !== pub.length || !timingSafeEqual(ctx.key.data, pub)) return ctx.reject(['publickey']);
      if (ctx.signature && ctx.blob && userKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
        return ctx.reject(['publickey']);
      }
      if (opts.authDelayMs) setTimeout(() => ctx.accept(), opts.authDelayMs);
      else ctx.accept();
    });
    client.on('ready', () => {
      handshakeDone();
      if (opts.announceHostKeys) announceHostKey(client, hostKey.blob);
      client.on('session', (accept, reject) => {
        if (opts.maxSessions !== undefined && stats.openChannels >= opts.maxSessions) return reject();
        const session = accept();
        stats.openChannels++;
        stats.maxOpenChannels = Math.max(stats.maxOpenChannels, stats.openChannels);
        let closed = false;
        session.on('close', () => {
          if (!closed) stats.openChannels--;
          closed = true;
        });
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          const child = spawn('sh', ['-c', info.command], { stdio: 'pipe' });
          child.stdin.on('error', () => undefined);
          stream.pipe(child.stdin);
          child.stdout.on('data', (d: Buffer) => stream.write(d));
          child.stderr.on('data', (d: Buffer) => stream.stderr.write(d));
          stream.on('close', () => child.kill('SIGKILL'));
          child.on('close', (code, signal) => {
            try {
              if (signal) stream.exit(signal.replace(/^SIG/, ''), false, '');
              else stream.exit(code ?? 0);
              stream.end();
            } catch {
              // client already gone
            }
          });
        });
      });
      if (opts.forwarding) {
        client.on('tcpip', (acceptFwd, rejectFwd, info) => {
          const sock = netConnect(info.destPort, info.destIP);
          sock.once('error', () => rejectFwd());
          sock.once('connect', () => {
            const channel = acceptFwd();
            channel.pipe(sock).pipe(channel);
            channel.on('close', () => sock.destroy());
            sock.on('close', () => channel.close());
          });
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hostKey,
    stats,
    dropAll: () => {
      for (const c of clients) c.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------

const USER_KEY = keyPair();
let dir: string;
let keyFile: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-ssh-'));
  keyFile = join(dir, 'id_fleet');
  await writeFile(keyFile, USER_KEY.private, { mode: 0o600 });
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  const s = await startServer({ authorized: USER_KEY, ...opts });
  cleanups.push(() => s.close());
  return s;
}

let khCounter = 0;
async function knownHosts(lines: string[]): Promise<string> {
  const file = join(dir, `known_hosts_${++khCounter}`);
  await writeFile(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

function entry(s: TestServer, key: KeyPair = s.hostKey): string {
  return `[127.0.0.1]:${s.port} ssh-ed25519 ${key.b64}`;
}

function transport(opts: SshTransportOptions): Transport {
  const t = createSshTransport({ agent: false, identityFiles: [], connectTimeoutMs: 5000, ...opts });
  cleanups.push(() => t.dispose());
  return t;
}

function target(s: TestServer | { port: number }, extra: Partial<SshTarget> = {}): SshTarget {
  return { name: 'web1', address: '127.0.0.1', port: s.port, user: 'fleet', privateKeyFile: keyFile, ...extra };
}

async function connectError(p: Promise<unknown>): Promise<ConnectError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------

describe('exec', () => {
  it('round-trips stdout, stderr, exit code and stdin', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const conn = await t.connect(target(s));
    const result = await conn.exec({ script: 'cat; echo " err" >&2; exit 3', stdin: 's3cret\n  ', label: 'echo' });
    expect(result).toEqual({ exitCode: 3, stdout: 's3cret\n  ', stderr: ' err\n' });
    // Commands that read stdin get EOF when there is none.
    expect(await conn.exec({ script: 'cat; echo done' })).toEqual({ exitCode: 0, stdout: 'done\n', stderr: '' });
    // Multi-byte characters split across chunks decode correctly.
    const utf8 = await conn.exec({ script: `i=0; while [ $i -lt 20000 ]; do printf 'é€'; i=$((i+1)); done` });
    expect(utf8.stdout).toBe('é€'.repeat(20000));
    await conn.close();
  });

  it('returns 1 MB of stdout untruncated', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const conn = await t.connect(target(s));
    const result = await conn.exec({ script: "head -c 1048576 /dev/zero | tr '\\0' x" });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBe(1048576);
    expect(/^x+$/.test(result.stdout)).toBe(true);
  });

  it('passes large stdin through', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const conn = await t.connect(target(s));
    const input = 'y'.repeat(3 * 1024 * 1024 + 7);
    const result = await conn.exec({ script: 'wc -c', stdin: input });
    expect(result.stdout.trim()).toBe(String(input.length));
  });

  it('reports the signal of a killed command', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const conn = await t.connect(target(s));
    const result = await conn.exec({ script: 'kill -TERM $$' });
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
  });

  it('never has more than maxChannelsPerConnection channels open at once', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]), maxChannelsPerConnection: 3 });
    const conn = await t.connect(target(s));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => conn.exec({ script: `sleep 0.05; echo ${i}` })),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
    expect(s.stats.maxOpenChannels).toBe(3);
    expect(s.stats.connections).toBe(1);
  });

  it('adapts to a server that allows fewer sessions than maxChannelsPerConnection', async () => {
    const s = await server({ maxSessions: 3 });
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]), maxChannelsPerConnection: 8 });
    const conn = await t.connect(target(s));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => conn.exec({ script: `sleep 0.05; echo ${i}` })),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
    expect(s.stats.maxOpenChannels).toBe(3);
  });

  it('uses the default limit of 8 channels', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const conn = await t.connect(target(s));
    await Promise.all(Array.from({ length: 20 }, () => conn.exec({ script: 'sleep 0.05' })));
    expect(s.stats.maxOpenChannels).toBe(8);
  });

  it('times out a command, kills it, and keeps the connection usable', { timeout: 30_000 }, async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const conn = await t.connect(target(s));
    const started = Date.now();
    const err = await conn.exec({ script: 'sleep 30', label: 'slow thing', stdin: 'password=hunter2' }, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandTimeoutError);
    expect((err as Error).message).toBe("command 'slow thing' timed out after 300 ms on web1");
    expect((err as Error).message).not.toContain('hunter2');
    // Rejected at the timeout, not when the command ends; the margin absorbs a loaded CI machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await conn.exec({ script: 'echo ok' })).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
    // The timed-out channel was closed (and 'echo ok' too). The server counts a channel as closed
    // only when the client's CHANNEL_CLOSE reaches it, which can be after exec() resolved; under
    // load that took longer than waitFor's default 1 s. A channel left open never gets there.
    await vi.waitFor(() => expect(s.stats.openChannels).toBe(0), { timeout: 10_000 });
  });

  it('uses the transport-wide command timeout by default', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]), commandTimeoutMs: 200 });
    const conn = await t.connect(target(s));
    await expect(conn.exec({ script: 'sleep 5' })).rejects.toThrow("command 'sleep 5' timed out after 200 ms");
  });

  it('rejects running and later commands, naming the host, when the connection is lost', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const conn = await t.connect(target(s, { name: 'db7' }));
    const running = conn.exec({ script: 'sleep 5', label: 'long', stdin: 'token=abc' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    s.dropAll();
    const err = (await running) as Error;
    expect(err).toBeInstanceOf(ConnectionLostError);
    expect(err.message).toMatch(/^connection to db7 lost during 'long'/);
    expect(err.message).not.toContain('abc');
    await expect(conn.exec({ script: 'true' })).rejects.toThrow(/connection to db7 lost/);
    await conn.close(); // already closed: resolves at once
  });

  it('close() resolves once the connection is closed', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const conn = await t.connect(target(s));
    await conn.close();
    await expect(conn.exec({ script: 'true' })).rejects.toThrow(/is closed/);
  });
});

describe('host keys', () => {
  it('refuses an unknown host key', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([]) });
    const err = await connectError(t.connect(target(s)));
    expect(err.reason).toBe('host-key-unknown');
    expect(err.host).toBe('web1');
    expect(err.message).toContain('--accept-new-host-keys');
    expect(err.message).toContain(fingerprintSha256(s.hostKey.blob));
  });

  it('accepts and records a new key with acceptNewHostKeys, then knows it', async () => {
    const s = await server();
    const file = join(dir, `kh-new-${++khCounter}`, 'known_hosts'); // directory does not exist yet
    const t = transport({ knownHostsFile: file, acceptNewHostKeys: true });
    const conns = await Promise.all([t.connect(target(s)), t.connect(target(s, { name: 'web1b' }))]);
    expect(conns).toHaveLength(2);
    expect(await readFile(file, 'utf8')).toBe(`${entry(s)}\n`);

    const t2 = transport({ knownHostsFile: file });
    const conn = await t2.connect(target(s));
    expect((await conn.exec({ script: 'echo hi' })).stdout).toBe('hi\n');
  });

  it('refuses a changed key, even with acceptNewHostKeys, and shows the new fingerprint', async () => {
    const s = await server();
    const old = keyPair();
    const file = await knownHosts(['# fleet', entry(s, old)]);
    const t = transport({ knownHostsFile: file, acceptNewHostKeys: true });
    const err = await connectError(t.connect(target(s)));
    expect(err.reason).toBe('host-key-changed');
    expect(err.message).toContain(fingerprintSha256(s.hostKey.blob));
    expect(err.message).toContain(`${file}:2`);
    expect(await readFile(file, 'utf8')).toBe(`# fleet\n${entry(s, old)}\n`); // untouched
  });

  it('refuses a revoked key', async () => {
    const s = await server();
    const file = await knownHosts([entry(s), `@revoked * ssh-ed25519 ${s.hostKey.b64}`]);
    const err = await connectError(transport({ knownHostsFile: file }).connect(target(s)));
    expect(err.reason).toBe('host-key-changed');
    expect(err.message).toMatch(/REVOKED/);
  });

  it('matches a hashed entry', async () => {
    const s = await server();
    const hashed = hashHostName(`[127.0.0.1]:${s.port}`, randomBytes(20));
    const file = await knownHosts([`${hashed} ssh-ed25519 ${s.hostKey.b64}`]);
    const conn = await transport({ knownHostsFile: file }).connect(target(s));
    expect((await conn.exec({ script: 'echo ok' })).stdout).toBe('ok\n');
  });

  it('does not match a plain entry for a non-22 port', async () => {
    const s = await server();
    const file = await knownHosts([`127.0.0.1 ssh-ed25519 ${s.hostKey.b64}`]);
    const err = await connectError(transport({ knownHostsFile: file }).connect(target(s)));
    expect(err.reason).toBe('host-key-unknown');
  });
});

describe('connect', () => {
  it('maps connection refused', async () => {
    const port = await freePort();
    const t = transport({ knownHostsFile: await knownHosts([]) });
    const err = await connectError(t.connect(target({ port })));
    expect(err).toMatchObject({ reason: 'refused', host: 'web1', message: `connection refused by 127.0.0.1:${port} (after 3 attempts)`, transient: true });
    const once = await connectError(transport({ knownHostsFile: await knownHosts([]), connectRetries: 0 }).connect(target({ port })));
    expect(once.message).toBe(`connection refused by 127.0.0.1:${port}`);
  });

  it('retries a server that drops connections before the handshake (sshd MaxStartups), then connects', async () => {
    const s = await server();
    let accepted = 0;
    const throttle = createServer((sock) => {
      accepted++;
      if (accepted <= 2) return sock.destroy();
      const upstream = netConnect(s.port, '127.0.0.1');
      sock.pipe(upstream).pipe(sock);
      sock.on('error', () => upstream.destroy());
      upstream.on('error', () => sock.destroy());
    });
    await new Promise<void>((resolve) => throttle.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => throttle.close(() => resolve())));
    const port = (throttle.address() as AddressInfo).port;
    const file = await knownHosts([`[127.0.0.1]:${port} ssh-ed25519 ${s.hostKey.b64}`]);

    const short = await connectError(transport({ knownHostsFile: file, connectRetries: 1, retryBaseDelayMs: 1 }).connect(target({ port })));
    expect(short.message).toMatch(/before the SSH handshake \(after 2 attempts\)$/);
    expect(accepted).toBe(2);

    accepted = 0;
    const connection = await transport({ knownHostsFile: file, connectRetries: 2, retryBaseDelayMs: 1 }).connect(target({ port }));
    expect(accepted).toBe(3);
    expect((await connection.exec({ script: 'echo hi' })).stdout).toBe('hi\n');
  });

  it('times out a server that never speaks SSH', async () => {
    const silent = createServer((sock) => sock.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const port = (silent.address() as AddressInfo).port;
    const t = transport({ knownHostsFile: await knownHosts([]), connectTimeoutMs: 300 });
    const err = await connectError(t.connect(target({ port })));
    expect(err.reason).toBe('timeout');
    silent.unref();
  });

  it('ignores the host key announcement of an OpenSSH server instead of asking for proofs', async () => {
    // Each proof is a signature per host key on the host and a verification here, on every
    // connection, for keys fleet never uses.
    const s = await server({ announceHostKeys: true });
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const connection = await t.connect(target(s));
    expect((await connection.exec({ script: 'echo hi' })).stdout).toBe('hi\n');
    // The exec round trip came after the announcement: a proof request would have arrived by now.
    expect(s.stats.globalRequests).not.toContain('hostkeys-prove-00@openssh.com');
    expect(s.stats.globalRequests.filter((n) => !n.startsWith('keepalive'))).toEqual([]);
  });

  it('authenticates with a key file in one signed request, without asking first', async () => {
    const s = await server();
    const connection = await transport({ knownHostsFile: await knownHosts([entry(s)]) }).connect(target(s));
    expect((await connection.exec({ script: 'echo hi' })).stdout).toBe('hi\n');
    expect(s.stats.publicKeyRequests).toEqual(['signed']);
  });

  it('maps authentication failure', async () => {
    const s = await server({ authorized: keyPair() });
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const err = await connectError(t.connect(target(s)));
    expect(err.reason).toBe('auth');
    expect(err.message).toBe(`authentication failed for fleet@127.0.0.1:${s.port} (offered key ${keyFile})`);
    expect(s.stats.connections).toBe(1); // not transient: never retried
  });

  it('explains that encrypted keys need an agent', async () => {
    const s = await server();
    const encrypted = join(dir, 'id_encrypted');
    await writeFile(encrypted, keyPair({ passphrase: 'pw' }).private, { mode: 0o600 });
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]) });
    const err = await connectError(t.connect(target(s, { privateKeyFile: encrypted })));
    expect(err.reason).toBe('auth');
    expect(err.message).toMatch(/encrypted keys need an SSH agent/);
    expect(s.stats.connections).toBe(0); // failed before dialling
  });

  it('reports a missing key file', async () => {
    const t = transport({ knownHostsFile: await knownHosts([]) });
    const err = await connectError(t.connect(target({ port: 1 }, { privateKeyFile: join(dir, 'nope') })));
    expect(err).toMatchObject({ reason: 'auth', message: `private key file ${join(dir, 'nope')} not found` });
  });

  it('uses the identity files when a target names no key', async () => {
    const s = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]), identityFiles: [join(dir, 'missing'), keyFile] });
    const conn = await t.connect(target(s, { privateKeyFile: undefined }));
    expect((await conn.exec({ script: 'echo ok' })).stdout).toBe('ok\n');
  });

  it('bounds concurrent handshakes to one server', async () => {
    const s = await server({ authDelayMs: 60 });
    const t = transport({ knownHostsFile: await knownHosts([entry(s)]), maxHandshakesPerServer: 3 });
    const conns = await Promise.all(Array.from({ length: 12 }, (_, i) => t.connect(target(s, { name: `h${i}` }))));
    expect(conns).toHaveLength(12);
    expect(s.stats.connections).toBe(12);
    expect(s.stats.maxHandshaking).toBe(3);
  });
});

describe('jump host', () => {
  it('reaches hosts through one shared jump connection, verifying both keys', async () => {
    const jump = await server({ forwarding: true });
    const a = await server();
    const b = await server();
    const file = await knownHosts([entry(jump), entry(a), entry(b)]);
    const t = transport({ knownHostsFile: file });
    const via = { user: 'fleet', address: '127.0.0.1', port: jump.port };
    const [ca, cb] = await Promise.all([
      t.connect(target(a, { name: 'a', jump: via })),
      t.connect(target(b, { name: 'b', jump: via })),
    ]);
    expect((await ca!.exec({ script: 'echo a' })).stdout).toBe('a\n');
    expect((await cb!.exec({ script: 'echo b' })).stdout).toBe('b\n');
    const big = await ca!.exec({ script: "head -c 1048576 /dev/zero | tr '\\0' x" });
    expect(big.stdout.length).toBe(1048576);
    expect(jump.stats.connections).toBe(1);
    await t.dispose();
    expect(await ca!.exec({ script: 'true' }).catch((e: Error) => e.message)).toMatch(/closed|lost/);
  });

  it('bounds handshakes through a jump host', async () => {
    const jump = await server({ forwarding: true });
    const gauge = { current: 0, max: 0 };
    const targets = await Promise.all(Array.from({ length: 4 }, () => server({ authDelayMs: 60, handshakeGauge: gauge })));
    const file = await knownHosts([entry(jump), ...targets.map((s) => entry(s))]);
    const t = transport({ knownHostsFile: file, maxHandshakesPerServer: 2 });
    const via = { user: 'fleet', address: '127.0.0.1', port: jump.port };
    await Promise.all(targets.map((s, i) => t.connect(target(s, { name: `t${i}`, jump: via }))));
    // 4 different servers, 1 handshake each, but at most 2 at a time through the jump host.
    const concurrent = targets.map((s) => s.stats.maxHandshaking);
    expect(concurrent).toEqual([1, 1, 1, 1]);
    expect(gauge.max).toBeGreaterThan(0);
    expect(gauge.max).toBeLessThanOrEqual(2);
    expect(jump.stats.connections).toBe(1);
  });

  it('reports a failing jump host with reason jump', async () => {
    const port = await freePort();
    const a = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(a)]) });
    const err = await connectError(t.connect(target(a, { jump: { user: 'ops', address: '127.0.0.1', port } })));
    expect(err.reason).toBe('jump');
    expect(err.message).toBe(`jump host ops@127.0.0.1:${port}: connection refused by 127.0.0.1:${port} (after 3 attempts)`);
  });

  it('checks the jump host key', async () => {
    const jump = await server({ forwarding: true });
    const a = await server();
    const t = transport({ knownHostsFile: await knownHosts([entry(a)]) });
    const err = await connectError(
      t.connect(target(a, { jump: { user: 'fleet', address: '127.0.0.1', port: jump.port } })),
    );
    expect(err.reason).toBe('host-key-unknown');
    expect(err.message).toMatch(/^jump host fleet@127\.0\.0\.1:\d+: host key of/);
  });

  it('reports a target the jump host cannot reach', async () => {
    const jump = await server({ forwarding: true });
    const port = await freePort();
    const t = transport({ knownHostsFile: await knownHosts([entry(jump)]) });
    const err = await connectError(
      t.connect(target({ port }, { jump: { user: 'fleet', address: '127.0.0.1', port: jump.port } })),
    );
    expect(err.message).toBe(`cannot reach 127.0.0.1:${port} (via jump fleet@127.0.0.1:${jump.port}): connect failed`);
  });
});
