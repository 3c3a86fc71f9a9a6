import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/command.js';
import type { CacheSettings } from '../../inventory/model.js';
import { cacheSettings, cacheSources, convergedCacheHost, emptyCacheHost } from '../../../test/unit/builders.js';
import { planCache } from './plan.js';

const settings = cacheSettings;
const sources = cacheSources;
const emptyHost = emptyCacheHost;
const convergedHost = (s: CacheSettings = settings) => convergedCacheHost(s);

describe('planCache', () => {
  it('builds everything on an empty host, the secrets only in a sensitive 0600 file', () => {
    const plan = planCache(settings, sources, emptyHost());
    expect(plan.kind).toBe('change');
    if (plan.kind !== 'change') return;
    expect(plan.changes.map((c) => (c.kind === 'exec' ? c.label : c.kind === 'write-file' ? c.path : c.kind))).toEqual([
      '/etc/fleet/through-cache.env',
      'pull registry:2.8.3',
      'create container through-cache',
      '/usr/local/sbin/fleet-mirror-firewall',
      '/etc/systemd/system/fleet-mirror-firewall.service',
      'enable fleet-mirror-firewall.service',
      'apply firewall rules',
    ]);
    expect(plan.changes[0]).toMatchObject({ mode: 0o600, sensitive: true });
    for (const change of plan.changes.slice(1)) expect(JSON.stringify(change)).not.toContain('tok-123');
  });

  it('is in sync on a converged host', () => {
    expect(planCache(settings, sources, convergedHost()).kind).toBe('in-sync');
  });

  it('recreates the container (not the data) when a setting changes', () => {
    const changed = { ...settings, password: new Secret('rotated') };
    const plan = planCache(changed, sources, convergedHost());
    expect(plan.kind === 'change' && plan.changes.map((c) => c.kind === 'exec' ? c.label : c.kind)).toEqual(['write-file', 'create container through-cache']);
    const create = plan.kind === 'change' ? plan.changes[1]! : undefined;
    expect(create?.kind === 'exec' && create.script).not.toMatch(/rm -rf/);
  });

  it('only restarts a stopped container, and re-applies missing rules', () => {
    const facts = convergedHost();
    const plan = planCache(settings, sources, { ...facts, container: { ...facts.container!, status: 'exited' }, chainRules: undefined });
    expect(plan.kind === 'change' && plan.changes.map((c) => (c.kind === 'exec' ? c.label : c.kind))).toEqual(['start container through-cache', 'apply firewall rules']);
  });

  it('sees a client added to the inventory as a firewall change', () => {
    const plan = planCache(settings, [...sources, '10.0.0.13/32'], convergedHost());
    expect(plan.kind === 'change' && plan.changes.map((c) => (c.kind === 'exec' ? c.label : c.kind))).toContain('apply firewall rules');
  });

  it('refuses without Docker or without a DOCKER-USER chain', () => {
    expect(planCache(settings, sources, emptyHost({ dockerVersion: undefined, dockerError: 'Cannot connect' }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/Docker is not installed or not running/) });
    expect(planCache(settings, sources, emptyHost({ dockerUserChain: false }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/DOCKER-USER/) });
  });

  it('warns when credentials are served to a wide-open allowlist', () => {
    expect(planCache(settings, [...sources, '0.0.0.0/0'], emptyHost()).warnings.join()).toMatch(/every private image/);
    expect(planCache({ ...settings, username: undefined, password: undefined }, ['0.0.0.0/0'], emptyHost()).warnings).toEqual([]);
  });
});
