import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/command.js';
import type { Change } from '../../core/change.js';
import type { CacheFacts } from '../../facts/cache-host.js';
import { cacheSettings, cacheSources, convergedCacheHost, emptyCacheHost, freshIds, olderFleetJump } from '../../../test/unit/builders.js';
import { sha256 } from '../../core/hash.js';
import { planCache } from './plan.js';
import { registryConfig } from './registry-config.js';
import { specLabel } from './spec.js';

const settings = cacheSettings;
const sources = cacheSources;
const plan = (facts: CacheFacts, s = settings, src: readonly string[] = sources) => planCache(s, src, facts, freshIds);
const labels = (p: ReturnType<typeof plan>) => (p.kind === 'change' ? p.changes.map(labelOf) : []);
const labelOf = (c: Change) => (c.kind === 'exec' ? c.label : c.kind === 'write-file' ? c.path : c.kind);

describe('planCache', () => {
  it('builds everything on an empty host: firewall and boot-time protection before the container', () => {
    const p = plan(emptyCacheHost());
    expect(labels(p)).toEqual([
      '/etc/fleet/through-cache.yml',
      'claim /var/lib/fleet/registry',
      'pull registry:2.8.3',
      '/usr/local/sbin/fleet-mirror-firewall',
      'apply firewall rules',
      '/etc/systemd/system/docker.service.d/fleet-mirror-firewall.conf',
      'load the docker.service drop-in',
      'create container through-cache',
    ]);
  });

  it('keeps the secrets in a sensitive 0600 config file only', () => {
    const p = plan(emptyCacheHost());
    if (p.kind !== 'change') throw new Error('expected changes');
    expect(p.changes[0]).toMatchObject({ kind: 'write-file', mode: 0o600, content: expect.any(Secret) });
    for (const change of p.changes.slice(1)) expect(JSON.stringify(change)).not.toMatch(/tok-123|bob/);
  });

  it('is in sync on a converged host', () => {
    expect(plan(convergedCacheHost()).kind).toBe('in-sync');
  });

  it('recreates the container (not the data) when the password is rotated: removed before the firewall steps, created last', () => {
    const p = plan(convergedCacheHost(), { ...settings, password: new Secret('rotated') });
    expect(labels(p)).toEqual(['/etc/fleet/through-cache.yml', 'remove old container through-cache', 'create container through-cache']);
    if (p.kind === 'change') for (const c of p.changes) expect(c.kind === 'exec' ? c.script : '').not.toMatch(/rm -rf/);
  });

  it('moves a cache set up before the debug endpoint to the new config: config rewritten, container recreated, data kept', () => {
    const current = convergedCacheHost();
    const key = current.configKey!;
    const before = registryConfig(settings, key).replace(/\n {2}debug:\n(?: {4}.*\n)+/, '\n');
    expect(before).not.toContain('debug');
    const old = { ...current, configSha: sha256(before), container: { ...current.container!, specLabel: specLabel(settings, before, key) } };
    const p = plan(old);
    expect(labels(p)).toEqual(['/etc/fleet/through-cache.yml', 'remove old container through-cache', 'create container through-cache']);
    if (p.kind === 'change') for (const c of p.changes) expect(c.kind === 'exec' ? c.script : '').not.toMatch(/rm -rf/);
  });

  it('recreates a container published on every address (IPv6 too), as on IPv4 only', () => {
    const facts = convergedCacheHost();
    expect(labels(plan({ ...facts, container: { ...facts.container!, ports: [{ ip: '', port: 80 }] } }))).toEqual(['remove old container through-cache', 'create container through-cache']);
  });

  it('only restarts a stopped container, and re-applies missing rules', () => {
    const facts = convergedCacheHost();
    expect(labels(plan({ ...facts, container: { ...facts.container!, status: 'exited' }, chainRules: undefined }))).toEqual(['apply firewall rules', 'start container through-cache']);
  });

  it('puts its jump back first when another rule went before it', () => {
    const facts = convergedCacheHost();
    const jump = facts.dockerUserRules[0]!;
    expect(labels(plan({ ...facts, dockerUserRules: ['-A DOCKER-USER -s 10.9.9.9/32 -j ACCEPT', jump, '-A DOCKER-USER -j RETURN'] }))).toEqual(['apply firewall rules']);
  });

  it("converges a cache set up by an older fleet, whose jump matched the published port only", () => {
    const facts = convergedCacheHost();
    expect(labels(plan({ ...facts, dockerUserRules: [olderFleetJump, '-A DOCKER-USER -j RETURN'], firewallScriptSha: sha256('older script') }))).toEqual(['/usr/local/sbin/fleet-mirror-firewall', 'apply firewall rules']);
  });

  it('is not fooled by a rule whose comment reads like its jump', () => {
    const facts = convergedCacheHost();
    const forged = `-A DOCKER-USER -m comment --comment "${facts.dockerUserRules[0]}" -j RETURN`;
    expect(labels(plan({ ...facts, dockerUserRules: [forged, '-A DOCKER-USER -j RETURN'] }))).toEqual(['apply firewall rules']);
    expect(plan({ ...facts, dockerUserRules: [...facts.dockerUserRules, forged] }).kind).toBe('in-sync');
  });

  it('sees a client added to the inventory as a firewall change', () => {
    expect(labels(plan(convergedCacheHost(), settings, [...sources, '10.0.0.13/32']))).toEqual(['/usr/local/sbin/fleet-mirror-firewall', 'apply firewall rules']);
  });

  it('loads the drop-in again when systemd has not, and marks an unmarked data dir', () => {
    expect(labels(plan({ ...convergedCacheHost(), dropInLoaded: false }))).toEqual(['load the docker.service drop-in']);
    expect(labels(plan({ ...convergedCacheHost(), dataDir: { state: 'registry' } }))).toEqual(['claim /var/lib/fleet/registry']);
  });

  it('migrates the layout of older versions: new config, drop-in before the old unit goes, env file removed last', () => {
    const facts: CacheFacts = {
      ...emptyCacheHost({ imagePresent: true, legacyEnvFile: true, legacyUnit: true, dataDir: { state: 'registry' } }),
      container: { id: 'old', status: 'running', image: settings.image, specLabel: '0123abcd', restartPolicy: 'always', ports: [{ ip: '', port: 80 }] },
    };
    const p = plan(facts);
    expect(labels(p)).toEqual([
      '/etc/fleet/through-cache.yml',
      'claim /var/lib/fleet/registry',
      'remove old container through-cache',
      '/usr/local/sbin/fleet-mirror-firewall',
      'apply firewall rules',
      '/etc/systemd/system/docker.service.d/fleet-mirror-firewall.conf',
      'load the docker.service drop-in',
      'remove fleet-mirror-firewall.service',
      'create container through-cache',
      'remove /etc/fleet/through-cache.env',
    ]);
    expect(p.warnings.join()).toMatch(/holds registry data but no \.fleet-cache marker/);
  });

  it('refuses without Docker, without a DOCKER-USER chain, with a bridge name unfit for a rule', () => {
    expect(plan(emptyCacheHost({ dockerVersion: undefined, dockerError: 'Cannot connect' }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/Docker is not installed or not running/) });
    expect(plan(emptyCacheHost({ dockerUserChain: false }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/DOCKER-USER/) });
    expect(plan(emptyCacheHost({ bridge: 'br$(reboot)' }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/bridge/) });
  });

  it('refuses a data dir holding other files, or a symlink, and never takes it over', () => {
    expect(plan(emptyCacheHost({ dataDir: { state: 'other' } }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/not created by fleet/) });
    expect(plan(emptyCacheHost({ dataDir: { state: 'symlink' } }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/symlink/) });
    // fleet's own directory may hold anything the registry wrote
    expect(plan({ ...convergedCacheHost(), dataDir: { ...convergedCacheHost().dataDir, state: 'other' } }).kind).toBe('in-sync');
  });

  it('warns when credentials are served to a wide-open allowlist', () => {
    expect(plan(emptyCacheHost(), settings, [...sources, '0.0.0.0/0']).warnings.join()).toMatch(/every private image/);
    expect(plan(emptyCacheHost(), { ...settings, username: undefined, password: undefined }, ['0.0.0.0/0']).warnings).toEqual([]);
  });
});
