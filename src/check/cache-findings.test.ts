import { describe, expect, it } from 'vitest';
import { Secret } from '../core/command.js';
import { cacheSettings, cacheSources, convergedCacheHost, emptyCacheHost } from '../../test/unit/builders.js';
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

  it('reports a missing container, env file, firewall and unit on an empty host', () => {
    expect(kinds(emptyCacheHost())).toEqual([
      'drift:container-missing',
      'drift:env-file',
      'drift:firewall-rules',
      'drift:firewall-jump',
      'drift:persistence-script',
      'drift:persistence-unit',
    ]);
  });

  it('reports a stopped container and an unhealthy registry', () => {
    const facts = converged({ container: { ...convergedCacheHost().container!, status: 'exited' }, registryProbe: { ...healthy, ok: false, detail: 'no answer via curl (exit 7)' } });
    const findings = cacheFindings(spec, facts);
    expect(findings.map((f) => f.kind)).toEqual(['container-stopped', 'registry-unhealthy']);
    expect(findings[0]).toMatchObject({ expected: 'running', found: 'exited' });
  });

  it('names each container setting that differs', () => {
    const container = { ...convergedCacheHost().container!, image: 'registry:2', hostPort: 8080, restartPolicy: 'no' };
    expect(kinds(converged({ container }))).toEqual(['drift:container-image', 'drift:container-port', 'drift:container-restart-policy']);
  });

  it('sees rotated credentials without showing them', () => {
    const rotated = { ...spec, settings: { ...cacheSettings, password: new Secret('rotated-token-42') } };
    const findings = cacheFindings(rotated, converged());
    expect(findings.map((f) => f.kind)).toEqual(['container-settings', 'env-file']);
    expect(JSON.stringify(findings)).not.toMatch(/rotated-token-42|tok-123/);
  });

  it('names the sources missing from and extra in the firewall chain', () => {
    const chain = ['-N FLEET-MIRROR', '-A FLEET-MIRROR -s 10.0.0.11/32 -j RETURN', '-A FLEET-MIRROR -s 192.168.9.9/32 -j RETURN', '-A FLEET-MIRROR -p tcp -j REJECT --reject-with tcp-reset'];
    const [finding, ...rest] = cacheFindings(spec, converged({ chainRules: chain }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ kind: 'firewall-rules', found: 'not admitted: 10.0.0.12/32; admitted but not in the inventory: 192.168.9.9/32' });
  });

  it('reports a deleted jump from DOCKER-USER and a disabled unit', () => {
    expect(kinds(converged({ dockerUserRules: ['-N DOCKER-USER', '-A DOCKER-USER -j RETURN'], unitEnabled: false }))).toEqual(['drift:firewall-jump', 'drift:persistence-unit']);
  });

  it('warns, without drift, when the data disk is over the threshold', () => {
    expect(kinds(converged({ dataDiskUsePercent: 91 }))).toEqual(['warning:data-disk']);
    expect(kinds(converged({ dataDiskUsePercent: 91 }), { ...spec, diskWarnPercent: 95 })).toEqual([]);
  });

  it('an unusable host (no Docker) is one error', () => {
    expect(kinds(emptyCacheHost({ dockerVersion: undefined, dockerError: 'Cannot connect to the Docker daemon' }))).toEqual(['error:cache-host-unusable']);
  });

  // check and apply must agree: drift exactly when apply would change the host.
  it.each([
    ['converged', converged()],
    ['empty', emptyCacheHost()],
    ['stopped', converged({ container: { ...convergedCacheHost().container!, status: 'exited' } })],
    ['chain flushed', converged({ chainRules: undefined })],
    ['jump gone', converged({ dockerUserRules: [] })],
    ['unit disabled', converged({ unitEnabled: false })],
    ['env file mode', converged({ envFileMode: 0o644 })],
  ])('drift agrees with what apply would do: %s', (_name, facts) => {
    const drift = cacheFindings(spec, facts).some((f) => f.severity === 'drift');
    expect(drift).toBe(planCache(cacheSettings, cacheSources, facts).kind === 'change');
  });
});
