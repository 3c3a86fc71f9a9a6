// Turn low-level connect failures (socket errors, ssh2 errors) into short, human ConnectErrors.

import { ConnectError, type ConnectFailure } from '../core/errors.js';

export interface ConnectContext {
  /** Inventory name of the host being connected (ConnectError.host). */
  readonly name: string;
  readonly user: string;
  readonly address: string;
  readonly port: number;
  readonly timeoutMs: number;
  /** " (via jump user@bastion:22)" when going through a jump host, else "". */
  readonly via: string;
  /** Keys offered, for the authentication failure message. */
  readonly offered: readonly string[];
}

const OPEN_ADMINISTRATIVELY_PROHIBITED = 1;

/** Raised by our own TCP connect timer. */
export class TcpConnectTimeout extends Error {
  override name = 'TcpConnectTimeout';
}

export function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

export function toConnectError(err: unknown, ctx: ConnectContext): ConnectError {
  if (err instanceof ConnectError) return err;
  const [reason, message] = classify(err, ctx);
  return new ConnectError(ctx.name, reason, message, isTransient(err));
}

/**
 * Failures that a busy or restarting server gives and that often pass: refused (sshd restarting),
 * reset or closed before the SSH banner (sshd's MaxStartups throttling drops the connection),
 * no SSH login within the timeout (an overloaded sshd), a temporary DNS failure. Not transient:
 * a TCP connect that times out (the host is down; retrying multiplies the wait), unreachable
 * networks, authentication and host key failures, unknown names.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof ConnectError) return err.transient;
  if (err instanceof TcpConnectTimeout) return false;
  const e = err as (Error & { code?: string }) | undefined;
  if (e?.code !== undefined) return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN'].includes(e.code);
  const msg = e instanceof Error ? e.message : String(err);
  return /Connection lost before handshake|closed before|Timed out while waiting for handshake/i.test(msg);
}

function classify(err: unknown, ctx: ConnectContext): [ConnectFailure, string] {
  const where = `${endpoint(ctx.address, ctx.port)}${ctx.via}`;
  const e = err as (Error & { code?: string; level?: string }) | undefined;
  const code = e?.code;
  const msg = e instanceof Error ? e.message : String(err);

  if (err instanceof TcpConnectTimeout || code === 'ETIMEDOUT') {
    return ['timeout', `timed out connecting to ${where} after ${seconds(ctx.timeoutMs)}`];
  }
  switch (code) {
    case 'ECONNREFUSED':
      return ['refused', `connection refused by ${where}`];
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return ['dns', `cannot resolve host name '${ctx.address}'`];
    case 'EAI_AGAIN':
      return ['dns', `temporary DNS failure resolving '${ctx.address}'`];
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
      return ['other', `host unreachable: ${where}`];
    case 'ENETUNREACH':
      return ['other', `network unreachable: ${where}`];
    case 'ECONNRESET':
    case 'EPIPE':
      return ['other', `connection reset by ${where}`];
  }
  if (e?.level === 'client-authentication' || /All configured authentication methods failed/.test(msg)) {
    const tried = ctx.offered.length > 0 ? ` (offered ${ctx.offered.join(', ')})` : '';
    return ['auth', `authentication failed for ${ctx.user}@${where}${tried}`];
  }
  if (/Timed out while waiting for handshake/.test(msg)) {
    return ['timeout', `no SSH login on ${where} within ${seconds(ctx.timeoutMs)}`];
  }
  if (/Keepalive timeout/.test(msg)) {
    return ['timeout', `${where} stopped responding during login`];
  }
  if (/Connection lost before handshake|closed before/i.test(msg)) {
    return ['other', `connection closed by ${where} before the SSH handshake`];
  }
  const handshake = /^Handshake failed: (.*)$/.exec(msg);
  if (handshake) return ['other', `SSH handshake with ${where} failed: ${handshake[1]}`];
  return ['other', `${where}: ${msg}`];
}

/**
 * Classify a failed direct-tcpip open on a jump host ("(SSH) Channel open failure: <text>").
 * OpenSSH puts strerror / getaddrinfo text in the description.
 */
export function forwardFailure(err: unknown, ctx: ConnectContext): ConnectError {
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { reason?: unknown } | undefined)?.reason;
  const text =
    msg.replace(/^\(SSH\) Channel open failure: ?/, '') ||
    (code === OPEN_ADMINISTRATIVELY_PROHIBITED ? 'administratively prohibited' : 'connect failed');
  const where = `${endpoint(ctx.address, ctx.port)}${ctx.via}`;
  let reason: ConnectFailure = 'other';
  let message = `cannot reach ${where}: ${text}`;
  if (/refused/i.test(text)) {
    reason = 'refused';
    message = `connection refused by ${where}`;
  } else if (/timed out/i.test(text)) {
    reason = 'timeout';
    message = `timed out connecting to ${where}`;
  } else if (/name or service|not known|resolve|getaddrinfo|nodename/i.test(text)) {
    reason = 'dns';
    message = `cannot resolve host name '${ctx.address}'${ctx.via}`;
  } else if (/prohibited/i.test(text)) {
    reason = 'jump';
    message = `jump host refused to forward to ${where} (AllowTcpForwarding?)`;
  } else if (/Not connected|No response from server/i.test(text)) {
    reason = 'jump';
    message = `connection to jump host lost while connecting to ${where}`;
  }
  // The jump host itself was refused by the target (sshd restarting): worth another attempt.
  return new ConnectError(ctx.name, reason, message, reason === 'refused');
}
