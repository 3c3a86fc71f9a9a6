import { describe, expect, it } from 'vitest';
import { ConnectError } from '../core/errors.js';
import { forwardFailure, isTransient, TcpConnectTimeout, toConnectError, type ConnectContext } from './ssh-errors.js';

const ctx: ConnectContext = {
  name: 'web1',
  user: 'deploy',
  address: '10.0.0.5',
  port: 22,
  timeoutMs: 10_000,
  via: '',
  offered: ['key /keys/fleet', 'SSH agent'],
};

function errno(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.5:22`), { code });
}

describe('toConnectError', () => {
  it.each([
    [errno('ECONNREFUSED'), 'refused', 'connection refused by 10.0.0.5:22'],
    [errno('ENOTFOUND'), 'dns', "cannot resolve host name '10.0.0.5'"],
    [errno('EAI_AGAIN'), 'dns', "temporary DNS failure resolving '10.0.0.5'"],
    [errno('ETIMEDOUT'), 'timeout', 'timed out connecting to 10.0.0.5:22 after 10 s'],
    [new TcpConnectTimeout('x'), 'timeout', 'timed out connecting to 10.0.0.5:22 after 10 s'],
    [errno('EHOSTUNREACH'), 'other', 'host unreachable: 10.0.0.5:22'],
    [new Error('Timed out while waiting for handshake'), 'timeout', 'no SSH login on 10.0.0.5:22 within 10 s'],
    [
      Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }),
      'auth',
      'authentication failed for deploy@10.0.0.5:22 (offered key /keys/fleet, SSH agent)',
    ],
    [new Error('Connection lost before handshake'), 'other', 'connection closed by 10.0.0.5:22 before the SSH handshake'],
    [
      new Error('Handshake failed: no matching key exchange algorithm'),
      'other',
      'SSH handshake with 10.0.0.5:22 failed: no matching key exchange algorithm',
    ],
  ])('maps %s', (err, reason, message) => {
    const mapped = toConnectError(err, ctx);
    expect(mapped).toBeInstanceOf(ConnectError);
    expect(mapped.host).toBe('web1');
    expect(mapped.reason).toBe(reason);
    expect(mapped.message).toBe(message);
  });

  it('passes ConnectErrors through', () => {
    const err = new ConnectError('web1', 'host-key-changed', 'x');
    expect(toConnectError(err, ctx)).toBe(err);
  });

  it('brackets IPv6 addresses', () => {
    expect(toConnectError(errno('ECONNREFUSED'), { ...ctx, address: 'fd00::5' }).message).toBe(
      'connection refused by [fd00::5]:22',
    );
  });
});

describe('isTransient', () => {
  it.each([
    [errno('ECONNREFUSED'), true],
    [errno('ECONNRESET'), true],
    [errno('EPIPE'), true],
    [errno('EAI_AGAIN'), true],
    [new Error('Connection lost before handshake'), true],
    [new Error('Timed out while waiting for handshake'), true],
    [new TcpConnectTimeout('x'), false],
    [errno('ETIMEDOUT'), false],
    [errno('EHOSTUNREACH'), false],
    [errno('ENOTFOUND'), false],
    [Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), false],
    [new ConnectError('web1', 'host-key-changed', 'x'), false],
    [new ConnectError('web1', 'refused', 'x', true), true],
  ])('%s -> %s, and the ConnectError says so', (err, transient) => {
    expect(isTransient(err)).toBe(transient);
    expect(toConnectError(err, ctx).transient).toBe(transient);
  });

  it('marks a target refused behind a jump host as transient, other forward failures not', () => {
    const fail = (description: string): Error => Object.assign(new Error(`(SSH) Channel open failure: ${description}`), { reason: 2 });
    expect(forwardFailure(fail('Connection refused'), ctx).transient).toBe(true);
    expect(forwardFailure(fail('Name or service not known'), ctx).transient).toBe(false);
  });
});

describe('forwardFailure', () => {
  const via = { ...ctx, via: ' (via jump ops@bastion:22)' };
  const fail = (description: string, reason: number): Error =>
    Object.assign(new Error(`(SSH) Channel open failure: ${description}`), { reason });

  it('maps OpenSSH descriptions', () => {
    expect(forwardFailure(fail('Connection refused', 2), via)).toMatchObject({
      reason: 'refused',
      message: 'connection refused by 10.0.0.5:22 (via jump ops@bastion:22)',
    });
    expect(forwardFailure(fail('Name or service not known', 2), via).reason).toBe('dns');
    expect(forwardFailure(fail('Connection timed out', 2), via).reason).toBe('timeout');
    expect(forwardFailure(fail('administratively prohibited', 1), via).reason).toBe('jump');
    expect(forwardFailure(fail('', 1), via).reason).toBe('jump');
    expect(forwardFailure(fail('', 2), via)).toMatchObject({
      reason: 'other',
      message: 'cannot reach 10.0.0.5:22 (via jump ops@bastion:22): connect failed',
    });
  });
});
