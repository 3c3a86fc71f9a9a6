import { describe, expect, it } from 'vitest';
import type { Change } from '../../core/change.js';
import { convergedCacheHost, emptyCacheHost } from '../../../test/unit/builders.js';
import { planCacheRemoval } from './removal-plan.js';

const labels = (changes: readonly Change[]) => changes.map((c) => (c.kind === 'exec' ? c.label : c.kind));

describe('planCacheRemoval', () => {
  it('removes container, rules, drop-in, then the script it runs, then the credentials', () => {
    const plan = planCacheRemoval({ ...convergedCacheHost(), legacyUnit: true, legacyEnvFile: true }, undefined);
    expect(plan.kind === 'change' && labels(plan.changes)).toEqual([
      'remove container through-cache',
      'remove firewall rules',
      'remove /etc/systemd/system/docker.service.d/fleet-mirror-firewall.conf',
      'remove fleet-mirror-firewall.service',
      'remove /usr/local/sbin/fleet-mirror-firewall',
      'remove /etc/fleet/through-cache.yml',
      'remove /etc/fleet/through-cache.env',
    ]);
  });

  it('purges only a data dir fleet marked for this path, and refuses before changing anything', () => {
    const converged = convergedCacheHost();
    const purge = planCacheRemoval(converged, '/var/lib/fleet/registry');
    expect(purge.kind === 'change' && labels(purge.changes).at(-1)).toBe('purge /var/lib/fleet/registry');
    expect(planCacheRemoval({ ...converged, dataDir: { state: 'other' } }, '/var/lib')).toEqual({ kind: 'refuse', reason: expect.stringMatching(/^not purging \/var\/lib: fleet did not create it/) });
    expect(planCacheRemoval({ ...converged, dataDir: { state: 'symlink' } }, '/srv/link')).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/symlink/) });
    expect(planCacheRemoval({ ...converged, dataDir: converged.dataDir }, '/srv/moved')).toMatchObject({ kind: 'refuse' });
  });

  it('never puts text read from the host into a script', () => {
    const planted = '-A DOCKER-USER -m comment --comment "fleet-mirror $(touch /tmp/pwned)" -j FLEET-MIRROR';
    const plan = planCacheRemoval({ ...convergedCacheHost(), dockerUserRules: [planted] }, undefined);
    expect(plan.kind).toBe('change');
    for (const change of plan.kind === 'change' ? plan.changes : []) expect(JSON.stringify(change)).not.toContain('pwned');
  });

  it('has nothing to do on a clean host, purge or not', () => {
    expect(planCacheRemoval(emptyCacheHost(), '/var/lib/fleet/registry').kind).toBe('in-sync');
  });
});
