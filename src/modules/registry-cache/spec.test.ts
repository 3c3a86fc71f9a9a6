import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/command.js';
import { cacheSettings } from '../../../test/unit/builders.js';
import { registryConfig } from './registry-config.js';
import { createContainerScript, specLabel } from './spec.js';

const KEY = 'ab'.repeat(32);
const withPassword = (password: string) => ({ ...cacheSettings, password: new Secret(password) });

describe('the container', () => {
  it('reads the config read-only, runs `registry serve`, and publishes on IPv4 only; no secret on the command line', () => {
    const config = registryConfig(cacheSettings, KEY);
    const script = createContainerScript(cacheSettings, specLabel(cacheSettings, config, KEY));
    expect(script).toContain('-p 0.0.0.0:80:5000');
    expect(script).toContain('-v /etc/fleet/through-cache.yml:/etc/fleet/through-cache.yml:ro');
    expect(script).toMatch(/registry:2\.8\.3 serve \/etc\/fleet\/through-cache\.yml/);
    expect(script).not.toMatch(/--env-file| -e |tok-123|bob/);
  });

  it('is labelled with an HMAC under the host key: it changes with the password, and without the key says nothing of it', () => {
    const label = (password: string, key = KEY) => specLabel(withPassword(password), registryConfig(withPassword(password), key), key);
    expect(label('one')).not.toBe(label('two'));
    expect(label('one')).toBe(label('one'));
    expect(label('one', 'cd'.repeat(32))).not.toBe(label('one'));
    const config = registryConfig(withPassword('one'), KEY);
    for (const unkeyed of [config, 'one', config.split('\n').slice(1).join('\n')]) {
      expect(label('one')).not.toBe(createHash('sha256').update(unkeyed).digest('hex'));
    }
  });
});
