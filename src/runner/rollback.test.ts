import { describe, expect, it } from 'vitest';
import type { HostOutcome } from '../core/outcome.js';
import { cacheStillInUse } from './rollback.js';
import { rollbackPath } from './rollback-client.js';

const outcome = (host: string, status: HostOutcome['status']): HostOutcome => ({ host, status, message: '', changes: [], durationMs: 1 });

describe('rollback --cache', () => {
  it('keeps the cache while any client failed or was unreachable, naming them', () => {
    expect(cacheStillInUse([outcome('c1', 'changed'), outcome('c2', 'ok')])).toBeUndefined();
    expect(cacheStillInUse([outcome('c1', 'changed'), outcome('c2', 'failed')])).toMatch(/^cache kept: c2 was not rolled back \(failed or unreachable\)/);
    expect(cacheStillInUse([outcome('c1', 'unreachable'), outcome('c2', 'failed')])).toMatch(/^cache kept: c1, c2 were not rolled back/);
  });
});

describe('rollbackPath', () => {
  const inventory = { daemonJsonPath: '/etc/docker/daemon.json' };
  it('reads and writes one daemon.json: the one the journal recorded, saying so when the inventory names another', () => {
    expect(rollbackPath(undefined, inventory)).toEqual({ path: '/etc/docker/daemon.json' });
    expect(rollbackPath({ daemonJsonPath: '/etc/docker/daemon.json' }, inventory)).toEqual({ path: '/etc/docker/daemon.json' });
    const moved = rollbackPath({ daemonJsonPath: '/var/snap/docker/current/config/daemon.json' }, inventory);
    expect(moved.path).toBe('/var/snap/docker/current/config/daemon.json');
    expect(moved.warning).toMatch(/inventory names \/etc\/docker\/daemon\.json, but fleet's apply wrote \/var\/snap\/.*: rolling back \/var\/snap/);
  });
});
