import { describe, expect, it } from 'vitest';
import { Secret } from '../core/command.js';
import { cacheSettings, cacheSources, convergedCacheHost, emptyCacheHost, freshIds, olderFleetJump } from '../../test/unit/builders.js';
import type { CacheFacts } from '../facts/cache-host.js';
import { planCache } from '../modules/registry-cache/plan.js';
import { cacheFindings, type CacheCheckSpec } from './cache-findings.js';

const spec: CacheCheckSpec = { settings: cacheSettings, sources: cacheSources, diskWarnPercent: 85, fixCommand: 'fleet apply inv.yml --limit cache-1' };
const healthy = { url: 'http://127.0.0.1:80/v2/', ok: true, detail: 'HTTP 200 via curl' };
const converged = (over: Partial<CacheFacts> = {}): CacheFacts => ({ ...convergedCacheHost(), registryProbe: healthy, ...over });
const kinds = (facts: CacheFacts, s: CacheCheckSpec = spec) => cacheFindings(s, facts).map((f) => `${f.severity}:${f.kind}`);

describe('cacheFindings', () => {
  it('finds nothing on a converged, healthy host', () => {
    expect(kinds(converged())).toEqual([]);
  });

  it('reports a missing container, config, data dir, firewall and drop-in on an empty host', () => {
    expect(kinds(emptyCacheHost())).toEqual([
      'drift:container-missing',
      'drift:registry-config',
      'drift:data-dir',
      'drift:firewall-rules',
      'drift:firewall-jump',
      'drift:persistence-script',
      'drift:persistence-dropin',
    ]);
  });

  it('reports what an older fleet left: the env file with credentials, the old unit, a port open on IPv6', () => {
    const container = { ...convergedCacheHost().container!, ports: [{ ip: '', port: 80 }] };
    const findings = cacheFindings(spec, converged({ container, legacyEnvFile: true, legacyUnit: true }));
    expect(findings.map((f) => f.kind)).toEqual(['container-port', 'legacy-env-file', 'legacy-unit']);
    expect(findings[0]).toMatchObject({ expected: '0.0.0.0:80->5000 (IPv4 only)', found: 'every address, IPv6 included:80->5000' });
  });

  it('reports a drop-in systemd has not loaded, and a data dir fleet has not marked', () => {
    const findings = cacheFindings(spec, converged({ dropInLoaded: false, dataDir: { state: 'registry' } }));
    expect(findings.map((f) => f.kind)).toEqual(['data-dir', 'persistence-dropin', 'cache-warning']);
    expect(findings[1]!.found).toMatch(/at the next boot dockerd would publish the mirror port before the firewall exists/);
  });

  it('reports a stopped container and an unhealthy registry', () => {
    const facts = converged({ container: { ...convergedCacheHost().container!, status: 'exited' }, registryProbe: { ...healthy, ok: false, detail: 'no answer via curl (exit 7)' } });
    const findings = cacheFindings(spec, facts);
    expect(findings.map((f) => f.kind)).toEqual(['container-stopped', 'registry-unhealthy']);
    expect(findings[0]).toMatchObject({ expected: 'running', found: 'exited' });
  });

  it('names each container setting that differs', () => {
    const container = { ...convergedCacheHost().container!, image: 'registry:2', ports: [{ ip: '0.0.0.0', port: 8080 }], restartPolicy: 'no' };
    expect(kinds(converged({ container }))).toEqual(['drift:container-image', 'drift:container-port', 'drift:container-restart-policy']);
  });

  it('sees rotated credentials without showing them', () => {
    const rotated = { ...spec, settings: { ...cacheSettings, password: new Secret('rotated-token-42') } };
    const findings = cacheFindings(rotated, converged());
    expect(findings.map((f) => f.kind)).toEqual(['container-settings', 'registry-config']);
    expect(JSON.stringify(findings)).not.toMatch(/rotated-token-42|tok-123/);
  });

  it('names the sources missing from and extra in the firewall chain', () => {
    const chain = ['-N FLEET-MIRROR', '-A FLEET-MIRROR -s 10.0.0.11/32 -j RETURN', '-A FLEET-MIRROR -s 192.168.9.9/32 -j RETURN', '-A FLEET-MIRROR -p tcp -j REJECT --reject-with tcp-reset'];
    const [finding, ...rest] = cacheFindings(spec, converged({ chainRules: chain }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ kind: 'firewall-rules', found: 'not admitted: 10.0.0.12/32; admitted but not in the inventory: 192.168.9.9/32' });
  });

  it('reports a deleted jump from DOCKER-USER, and one that is no longer first', () => {
    expect(kinds(converged({ dockerUserRules: ['-A DOCKER-USER -j RETURN'] }))).toEqual(['drift:firewall-jump']);
    const [jump, ret] = convergedCacheHost().dockerUserRules;
    const [finding] = cacheFindings(spec, converged({ dockerUserRules: ['-A DOCKER-USER -j ACCEPT', jump!, ret!] }));
    expect(finding).toMatchObject({ kind: 'firewall-jump', found: expect.stringMatching(/not the first rule/) });
  });

  it("reports an older fleet's jump, which matched the published port only, as drift", () => {
    const [finding, ...others] = cacheFindings(spec, converged({ dockerUserRules: [olderFleetJump, '-A DOCKER-USER -j RETURN'] }));
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ kind: 'firewall-jump', severity: 'drift', found: olderFleetJump, expected: expect.stringMatching(/--dport 5000/) });
  });

  it('warns, without drift, when the data disk is over the threshold', () => {
    expect(kinds(converged({ dataDiskUsePercent: 91 }))).toEqual(['warning:data-disk']);
    expect(kinds(converged({ dataDiskUsePercent: 91 }), { ...spec, diskWarnPercent: 95 })).toEqual([]);
  });

  it('an unusable host (no Docker, a data dir fleet would not use) is one error', () => {
    expect(kinds(emptyCacheHost({ dockerVersion: undefined, dockerError: 'Cannot connect to the Docker daemon' }))).toEqual(['error:cache-host-unusable']);
    expect(cacheFindings(spec, emptyCacheHost({ dataDir: { state: 'other' } }))).toMatchObject([{ kind: 'cache-host-unusable', found: expect.stringMatching(/not created by fleet/) }]);
  });

  // check and apply must agree: drift exactly when apply would change the host.
  it.each([
    ['converged', converged()],
    ['empty', emptyCacheHost()],
    ['stopped', converged({ container: { ...convergedCacheHost().container!, status: 'exited' } })],
    ['chain flushed', converged({ chainRules: undefined })],
    ['jump gone', converged({ dockerUserRules: [] })],
    ['jump not first', converged({ dockerUserRules: ['-A DOCKER-USER -j ACCEPT', ...convergedCacheHost().dockerUserRules] })],
    ['drop-in not loaded', converged({ dropInLoaded: false })],
    ['drop-in gone', converged({ dropInSha: undefined })],
    ['no systemctl', converged({ dropInLoaded: false, hasSystemctl: false })],
    ['old unit left', converged({ legacyUnit: true })],
    ['old env file left', converged({ legacyEnvFile: true })],
    ['config mode', converged({ configMode: 0o644 })],
    ['config without its key', converged({ configKey: undefined })],
    ['data dir unmarked', converged({ dataDir: { state: 'registry' } })],
    ['data dir marker for another path', converged({ dataDir: { state: 'registry', marker: 'fleet cache data directory\npath=/elsewhere\nid=0123456789abcdef0123456789abcdef\n' } })],
    ['published on IPv6 too', converged({ container: { ...convergedCacheHost().container!, ports: [{ ip: '', port: 80 }] } })],
    ['data dir unusable', emptyCacheHost({ dataDir: { state: 'other' } })],
  ])('drift agrees with what apply would do: %s', (_name, facts) => {
    const findings = cacheFindings(spec, facts);
    const drift = findings.some((f) => f.severity === 'drift');
    const planned = planCache(cacheSettings, cacheSources, facts, freshIds).kind;
    expect(drift).toBe(planned === 'change');
    expect(findings.some((f) => f.severity === 'error')).toBe(planned === 'refuse');
  });
});

describe('cache proxy counters', () => {
  const unreadable = { ok: false as const, detail: 'no answer on 127.0.0.1:5001 in the container (exit 7)' };
  it('warns when a running registry does not give its counters, and only then', () => {
    expect(cacheFindings(spec, converged({ cacheStats: unreadable })).map((f) => `${f.severity}:${f.kind}:${f.found}`)).toEqual([`warning:cache-metrics:${unreadable.detail}`]);
    expect(kinds(converged({ cacheStats: { ok: true, stats: { requests: { manifest: { hit: 1, miss: 0 } } } } }))).toEqual([]);
    const stopped = { ...convergedCacheHost().container!, status: 'exited' };
    expect(kinds(converged({ container: stopped, cacheStats: unreadable }))).toEqual(['drift:container-stopped']);
  });
});
