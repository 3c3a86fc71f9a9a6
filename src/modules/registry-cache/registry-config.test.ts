import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Secret } from '../../core/command.js';
import { cacheSettings } from '../../../test/unit/builders.js';
import { runSh } from '../../../test/unit/sh.js';
import { CONFIG_KEY_SED, isConfigKey, registryConfig } from './registry-config.js';
import { createContainerScript, specLabel } from './spec.js';

const KEY = 'ab'.repeat(32);
const withPassword = (password: string) => ({ ...cacheSettings, password: new Secret(password) });

describe('registryConfig', () => {
  it('holds every setting the registry needs, credentials included', () => {
    const config = parse(registryConfig(cacheSettings, KEY));
    expect(config).toMatchObject({
      version: '0.1',
      storage: { filesystem: { rootdirectory: '/var/lib/registry' }, delete: { enabled: true } },
      http: { addr: ':5000' },
      proxy: { remoteurl: 'https://registry-1.docker.io', username: 'bob', password: 'tok-123' },
    });
  });

  it.each(['yes', 'on', '0x1F', '"quoted" \\ back', '#not a comment', 'a: b', '$HOME `id`', 'l\u2028ine\u0085s', 'émoji 🐳', '  spaces  '])(
    'keeps the password %j exact for YAML 1.1 and 1.2 parsers alike',
    (password) => {
      const text = registryConfig(withPassword(password), KEY);
      expect(parse(text, { version: '1.1' }).proxy.password).toBe(password);
      expect(parse(text).proxy.password).toBe(password);
      expect(text).toMatch(/^[\n\x20-\x7e]*$/);
    },
  );

  it('leaves the credentials out when none are set', () => {
    expect(parse(registryConfig({ ...cacheSettings, username: undefined, password: undefined }, KEY)).proxy).toEqual({ remoteurl: 'https://registry-1.docker.io' });
  });

  it('starts with its key, which the facts command reads back with sed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-cfg-'));
    writeFileSync(join(dir, 'config.yml'), registryConfig(cacheSettings, KEY));
    writeFileSync(join(dir, 'other.yml'), 'version: 0.1\n');
    expect(runSh({ script: `sed -n '${CONFIG_KEY_SED}' ${dir}/config.yml` }).stdout).toBe(`${KEY}\n`);
    expect(runSh({ script: `sed -n '${CONFIG_KEY_SED}' ${dir}/other.yml` }).stdout).toBe('');
    expect(isConfigKey(KEY)).toBe(true);
    expect(isConfigKey('AB'.repeat(32))).toBe(false);
  });
});

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
