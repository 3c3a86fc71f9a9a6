import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INVENTORY_WITH_ENV } from '../../test/unit/schedule-inventories.js';
import { checkInventory } from './inventory-check.js';

function inventory(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'fleet-inv-')), 'inventory.yml');
  writeFileSync(file, text);
  return file;
}

const WITH_ENV = INVENTORY_WITH_ENV;

describe('checkInventory', () => {
  it('accepts variables that are unset here, and names them', async () => {
    expect(await checkInventory(inventory(WITH_ENV), {})).toEqual(['CACHE_PORT', 'HUB_TOKEN', 'HUB_USER']);
    expect(await checkInventory(inventory(WITH_ENV), { HUB_USER: 'u', HUB_TOKEN: 't', CACHE_PORT: '22' })).toEqual([]);
  });

  it('reports real problems with the file name', async () => {
    const file = inventory(WITH_ENV.replace('nomad-1: { ansible_host: 192.0.2.11 }', 'nomad-1: { ansible_port: many }'));
    await expect(checkInventory(file, {})).rejects.toThrow(new RegExp(`${file}:\\d+:\\d+: .*ansible_port`));
    await expect(checkInventory(`${file}.missing`, {})).rejects.toThrow(/inventory.yml.missing: cannot read inventory/);
  });
});
