// One authenticated SSH connection, reused for every command sent to its host.
// Commands run as separate exec channels, at most `maxChannels` at a time (queued beyond).

import type { Client, ClientChannel } from 'ssh2';
import { Secret, type Command, type CommandResult } from '../core/command.js';
import { ConnectError } from '../core/errors.js';
import { Semaphore, type Release } from './limiter.js';
import type { Connection, ExecOptions } from './transport.js';

export interface SshConnectionOptions {
  /** Inventory name of the host, for messages. */
  readonly name: string;
  readonly maxChannels: number;
  /** Default per-command timeout. */
  readonly commandTimeoutMs: number;
  /** How long close() waits for a clean shutdown before destroying the socket. */
  readonly closeTimeoutMs?: number;
  /** Called once when the connection is gone (closed by us, by the peer, or lost). */
  readonly onClosed?: () => void;
}

/** A command ran longer than its timeout; its channel was signalled and closed. */
export class CommandTimeoutError extends Error {
  override name = 'CommandTimeoutError';
  constructor(
    readonly host: string,
    readonly label: string,
    readonly timeoutMs: number,
  ) {
    super(`command '${label}' timed out after ${timeoutMs} ms on ${host}`);
  }
}

/**
 * The connection to a host died (reset, keepalives unanswered, server went away) while a command
 * was running or queued. It is a ConnectError: the host became unreachable mid-run.
 */
export class ConnectionLostError extends ConnectError {
  override name = 'ConnectionLostError';
  constructor(host: string, message: string) {
    super(host, 'other', message);
  }
}

/** The server refused to open one more session channel (sshd MaxSessions lower than ours). */
class ChannelRefused extends Error {}

export class SshConnection implements Connection {
  readonly #client: Client;
  readonly #opts: SshConnectionOptions;
  readonly #channels: Semaphore;
  readonly #inFlight = new Set<(err: Error) => void>();
  readonly #closed: Promise<void>;
  /** Why the connection went away, when it did so without close() being called. */
  #cause: string | undefined;
  #gone = false;
  #closing = false;

  constructor(client: Client, opts: SshConnectionOptions) {
    this.#client = client;
    this.#opts = opts;
    this.#channels = new Semaphore(opts.maxChannels);
    client.on('error', (err: Error & { code?: string }) => {
      this.#cause ??= describeCause(err);
    });
    this.#closed = new Promise((resolve) => {
      client.once('close', () => {
        this.#gone = true;
        for (const abort of [...this.#inFlight]) abort(this.#lostError(undefined));
        opts.onClosed?.();
        resolve();
      });
    });
  }

  /** The host's inventory name. */
  get name(): string {
    return this.#opts.name;
  }

  /** Whether the connection can still run commands. */
  get open(): boolean {
    return !this.#gone && !this.#closing;
  }

  async exec(command: Command, options?: ExecOptions): Promise<CommandResult> {
    const label = commandLabel(command);
    const timeoutMs = options?.timeoutMs ?? this.#opts.commandTimeoutMs;
    for (;;) {
      this.#checkUsable(label);
      const release = await this.#channels.acquire();
      if (this.#gone || this.#closing) {
        release();
        this.#checkUsable(label);
      }
      try {
        return await this.#run(command, label, timeoutMs, release);
      } catch (err) {
        if (!(err instanceof ChannelRefused)) throw err;
        // With other channels open or opening, the server allows fewer sessions than we assumed
        // (sshd MaxSessions below our limit): lower the limit to the others, then queue again.
        // Our slot is released only after lowering, so no waiter slips in at the old limit.
        const others = this.#channels.active - 1;
        if (others < this.#channels.limit) this.#channels.setLimit(Math.max(1, others));
        release();
        if (others === 0) {
          throw new Error(`${this.#opts.name} refused to open a session channel for '${label}'`);
        }
      }
    }
  }

  /** End the connection; resolves once it is closed (forcibly after a short timeout). */
  async close(): Promise<void> {
    if (!this.#gone && !this.#closing) {
      this.#closing = true;
      const timer = setTimeout(() => this.#client.destroy(), this.#opts.closeTimeoutMs ?? 2000);
      timer.unref();
      this.#client.end();
      await this.#closed;
      clearTimeout(timer);
    }
    await this.#closed;
  }

  #checkUsable(label: string): void {
    if (this.#closing) throw new Error(`connection to ${this.#opts.name} is closed; cannot run '${label}'`);
    if (this.#gone) throw this.#lostError(label);
  }

  #lostError(label: string | undefined): ConnectionLostError {
    const during = label === undefined ? '' : ` before '${label}'`;
    const cause = this.#cause ?? 'closed by the remote side';
    return new ConnectionLostError(this.#opts.name, `connection to ${this.#opts.name} lost${during}: ${cause}`);
  }

  #run(command: Command, label: string, timeoutMs: number, release: Release): Promise<CommandResult> {
    return new Promise<CommandResult>((resolve, reject) => {
      let settled = false;
      let channel: ClientChannel | undefined;
      let timedOut = false;

      const finish = (err: Error | undefined, result?: CommandResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight.delete(onLost);
        if (err) reject(err);
        else resolve(result as CommandResult);
      };
      const onLost = (): void => {
        release();
        finish(
          new ConnectionLostError(
            this.#opts.name,
            `connection to ${this.#opts.name} lost during '${label}': ${this.#cause ?? 'closed by the remote side'}`,
          ),
        );
      };
      const stop = (ch: ClientChannel): void => {
        sendSignal(ch, 'KILL');
        try {
          ch.close();
        } catch {
          // already closed
        }
        // Free the slot when the server confirms the close; do not wait forever for that.
        const fallback = setTimeout(release, this.#opts.closeTimeoutMs ?? 2000);
        fallback.unref();
        ch.once('close', () => {
          clearTimeout(fallback);
          release();
        });
      };

      const timer = setTimeout(() => {
        timedOut = true;
        finish(new CommandTimeoutError(this.#opts.name, label, timeoutMs));
        if (channel) stop(channel);
      }, timeoutMs);
      this.#inFlight.add(onLost);

      const onChannel = (err: (Error & { reason?: number | string }) | undefined, ch: ClientChannel): void => {
        if (err) {
          // The server answered with CHANNEL_OPEN_FAILURE (OpenSSH: "open failed" at MaxSessions).
          // The caller releases the slot after adjusting the limit.
          if (err.reason !== undefined && !this.#gone && !settled) return finish(new ChannelRefused(err.message));
          release();
          if (this.#gone) return onLost();
          return finish(new Error(`cannot run '${label}' on ${this.#opts.name}: ${err.message}`));
        }
        channel = ch;
        ch.on('error', () => {
          // Writes to a channel the command already closed; the outcome comes from 'close'.
        });
        if (timedOut || settled) {
          stop(ch);
          return;
        }
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let exitCode: number | null = null;
        let signal: string | undefined;
        let exited = false;
        ch.on('data', (chunk: Buffer) => stdout.push(chunk));
        ch.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        ch.on('exit', (code: number | null, sig?: string) => {
          exited = true;
          exitCode = typeof code === 'number' ? code : null;
          signal = typeof sig === 'string' ? sig : undefined;
        });
        ch.once('close', () => {
          if (settled) return;
          const done = (): void => {
            release();
            if (!exited && this.#gone) return onLost();
            finish(undefined, {
              exitCode,
              ...(signal !== undefined ? { signal } : {}),
              stdout: Buffer.concat(stdout).toString('utf8'),
              stderr: Buffer.concat(stderr).toString('utf8'),
            });
          };
          // stdout has ended before 'close'; let stderr's last chunks arrive too.
          if (ch.stderr.readableEnded) done();
          else {
            ch.stderr.once('end', done);
            ch.stderr.resume();
            setTimeout(done, 100).unref(); // never hang on a stderr that does not end
          }
        });
        // Always close stdin, so commands that read it see EOF instead of waiting forever.
        const stdin = command.stdin instanceof Secret ? command.stdin.reveal() : command.stdin;
        if (stdin !== undefined && stdin !== '') ch.end(stdin);
        else ch.end();
      };

      try {
        this.#client.exec(command.script, onChannel);
      } catch {
        // ssh2 throws "Not connected" when the socket is already gone.
        release();
        this.#cause ??= 'not connected';
        onLost();
      }
    });
  }
}

/**
 * Send a "signal" channel request. ssh2's Channel.signal() only sends while the channel is writable,
 * and ours never is once stdin has been closed, so send it through the protocol when the channel
 * is still open on the server's side. Best effort: OpenSSH (7.9+) delivers it to the command's
 * process group, but refuses it for root logins ("session signalling requires privilege
 * separation") and cannot signal processes running under sudo as another user. A timed-out
 * command can therefore keep running on the host after its channel is closed.
 */
function sendSignal(ch: ClientChannel, name: string): void {
  const c = ch as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
  };
  const state = c.outgoing?.state;
  if (c.outgoing === undefined || (state !== 'open' && state !== 'eof')) return;
  try {
    c._client?._protocol?.signal?.(c.outgoing.id, name);
  } catch {
    // connection already gone
  }
}

/** The command's label, or the start of its script's first line. */
export function commandLabel(command: Command): string {
  if (command.label) return command.label;
  const first = command.script.trim().split('\n')[0] ?? '';
  return first.length > 60 ? `${first.slice(0, 57)}...` : first;
}

function describeCause(err: Error & { code?: string }): string {
  if (/Keepalive timeout/.test(err.message)) return 'no response to keepalives';
  switch (err.code) {
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EPIPE':
      return 'broken pipe';
  }
  return err.message;
}
