import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INVENTORY_WITH_ENV } from '../../test/unit/schedule-inventories.js';
import { readKubernetesInputs } from './kubernetes-inputs.js';

const INVENTORY = INVENTORY_WITH_ENV;

function fixture(files: Record<string, string | { content: string; mode: number }>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-k8s-inputs-'));
  for (const [name, f] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    const { content, mode } = typeof f === 'string' ? { content: f, mode: 0o644 } : f;
    writeFileSync(path.join(dir, name), content, { mode });
  }
  writeFileSync(path.join(dir, 'known_hosts'), '192.0.2.1 ssh-ed25519 AAAA\n');
  return dir;
}

describe('readKubernetesInputs', () => {
  it('reads the files, names every variable the inventory reads (set here or not, never their values) and counts the hosts', async () => {
    const dir = fixture({ 'prod.yml': INVENTORY });
    const inputs = await readKubernetesInputs([path.join(dir, 'prod.yml')], path.join(dir, 'known_hosts'), { HUB_TOKEN: 'set-here-s3cret' });
    expect(inputs.inventoryFiles).toEqual([{ key: 'prod.yml', content: INVENTORY, executable: false }]);
    expect(inputs.knownHosts).toBe('192.0.2.1 ssh-ed25519 AAAA\n');
    expect(inputs.envVars).toEqual(['CACHE_PORT', 'HUB_TOKEN', 'HUB_USER']);
    // Counted although CACHE_PORT is unset here: stand-in values let the inventory load.
    expect(inputs.hosts).toEqual({ caches: 1, clients: 1 });
    expect(JSON.stringify(inputs)).not.toContain('set-here-s3cret');
  });

  it('marks scripts executable and does not count what it cannot run here', async () => {
    const dir = fixture({ 'prod.yml': INVENTORY, 'nodes.mjs': { content: '#!/usr/bin/env node\n', mode: 0o755 } });
    const inputs = await readKubernetesInputs([path.join(dir, 'prod.yml'), path.join(dir, 'nodes.mjs')], path.join(dir, 'known_hosts'), {});
    expect(inputs.inventoryFiles.map((f) => [f.key, f.executable])).toEqual([['prod.yml', false], ['nodes.mjs', true]]);
    expect(inputs.hosts).toBeUndefined();
    const nomad = fixture({ 'nomad.yml': 'plugin: nomad\naddress: http://nomad.example:4646\n' });
    expect((await readKubernetesInputs([path.join(nomad, 'nomad.yml')], path.join(nomad, 'known_hosts'), {})).hosts).toBeUndefined();
  });

  it('refuses two sources with one file name, file names a ConfigMap cannot hold, and a missing --known-hosts', async () => {
    const dir = fixture({ 'a/prod.yml': INVENTORY, 'b/prod.yml': INVENTORY, 'bad name.yml': INVENTORY });
    const kh = path.join(dir, 'known_hosts');
    await expect(readKubernetesInputs([path.join(dir, 'a/prod.yml'), path.join(dir, 'b/prod.yml')], kh, {})).rejects.toThrow(/b\/prod.yml and .*a\/prod.yml have the same file name/);
    await expect(readKubernetesInputs([path.join(dir, 'bad name.yml')], kh, {})).rejects.toThrow(/bad name.yml: a ConfigMap key/);
    await expect(readKubernetesInputs([path.join(dir, 'a/prod.yml')], undefined, {})).rejects.toThrow('--format kubernetes needs --known-hosts FILE');
    await expect(readKubernetesInputs([path.join(dir, 'a/prod.yml')], path.join(dir, 'nope'), {})).rejects.toThrow(/--known-hosts .*nope: ENOENT/);
  });
});
