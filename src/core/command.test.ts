import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runSh } from '../../test/unit/sh.js';
import { quote, Secret, sh, withBecome } from './command.js';

describe('quote', () => {
  it('survives a round trip through a real /bin/sh for hostile strings', () => {
    const samples = ["it's", '$(rm -rf /)', '`id`', '"q"', 'a b\tc\nd', '\\', '*', '-n', '', "''", '!x', '~', '%s', '\u00e9\u4e2d'];
    for (let i = 0; i < 200; i++) {
      samples.push(randomBytes(12).toString('latin1').replace(/\0/g, ''));
    }
    for (const sample of samples) {
      const result = runSh({ script: `printf '%s' ${quote(sample)}` });
      expect(result.stdout).toBe(Buffer.from(sample, 'utf8').toString('utf8'));
    }
  });

  it('leaves plain words alone', () => {
    expect(quote('/etc/docker/daemon.json')).toBe('/etc/docker/daemon.json');
    expect(sh`cat ${'a b'}`).toBe("cat 'a b'");
  });

  it('wraps become in sudo -n', () => {
    expect(withBecome('id -u', true)).toBe("sudo -n -- sh -c 'id -u'");
    expect(withBecome('id -u', false)).toBe('id -u');
  });
});

describe('Secret', () => {
  it('never prints its value', () => {
    const secret = new Secret('hunter2');
    expect(String(secret)).toBe('***');
    expect(JSON.stringify({ secret })).toBe('{"secret":"***"}');
    expect(`${secret}`).not.toContain('hunter2');
    expect(secret.reveal()).toBe('hunter2');
  });
});
