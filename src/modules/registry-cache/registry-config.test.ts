import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Secret } from '../../core/command.js';
import { cacheSettings } from '../../../test/unit/builders.js';
import { runSh } from '../../../test/unit/sh.js';
import { CONFIG_KEY_SED, isConfigKey, registryConfig } from './registry-config.js';

const KEY = 'ab'.repeat(32);
const withPassword = (password: string) => ({ ...cacheSettings, password: new Secret(password) });

describe('registryConfig', () => {
  it('holds every setting the registry needs, credentials included', () => {
    const config = parse(registryConfig(cacheSettings, KEY));
    expect(config).toMatchObject({
      version: '0.1',
      storage: { filesystem: { rootdirectory: '/var/lib/registry' }, delete: { enabled: true } },
      http: { addr: ':5000', debug: { addr: '127.0.0.1:5001', prometheus: { enabled: true, path: '/metrics' } } },
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
