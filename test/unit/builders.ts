// Builders for test data: a realistic default, overridden where a test cares.
import { Secret } from '../../src/core/command.js';
import { sha256 } from '../../src/core/hash.js';
import type { CacheFacts } from '../../src/facts/cache-host.js';
import type { ClientFacts } from '../../src/facts/docker-client.js';
import type { CacheSettings } from '../../src/inventory/model.js';
import { envFileContent, expectedRules, firewallScript, firewallUnit, specHash } from '../../src/modules/registry-cache/spec.js';

export function clientFacts(overrides: Partial<ClientFacts> = {}): ClientFacts {
  return {
    daemonJson: { exists: true, text: '{\n  "log-driver": "json-file"\n}\n', mode: 0o644, uid: 0, gid: 0 },
    dockerd: { running: true, pid: 123, args: ['/usr/bin/dockerd', '-H', 'fd://'], version: '20.10.24' },
    activeMirrors: [],
    hasSystemctl: true,
    dockerUnitState: 'active',
    mirrorFlagSources: [],
    probes: [{ url: 'http://10.0.0.5', ok: true, detail: 'HTTP 200 via curl' }],
    ...overrides,
  };
}

// A cache host: the inventory's settings, an empty Docker host, and one fleet has converged.
export const cacheSettings: CacheSettings = {
  mirrorPort: 80,
  remoteUrl: 'https://registry-1.docker.io',
  username: new Secret('bob'),
  password: new Secret('tok-123'),
  image: 'registry:2.8.3',
  dataDir: '/var/lib/fleet/registry',
  allowCidrs: [],
};
export const cacheSources = ['10.0.0.11/32', '10.0.0.12/32'];

export function emptyCacheHost(over: Partial<CacheFacts> = {}): CacheFacts {
  return { dockerVersion: '20.10.24', imagePresent: false, unitEnabled: false, hasSystemctl: true, bridge: 'docker0', iptables: 'iptables v1.8.9 (nf_tables)', dockerUserChain: true, dockerUserRules: ['-N DOCKER-USER', '-A DOCKER-USER -j RETURN'], firewalldActive: false, dataDirExists: false, ...over };
}

export function convergedCacheHost(s: CacheSettings = cacheSettings): CacheFacts {
  const rules = expectedRules({ port: s.mirrorPort, sources: cacheSources, bridge: 'docker0' });
  return emptyCacheHost({
    imagePresent: true,
    container: { id: 'abc', status: 'running', image: s.image, specLabel: specHash(s), restartPolicy: 'always', hostPort: s.mirrorPort },
    envFileSha: sha256(envFileContent(s)),
    envFileMode: 0o600,
    firewallScriptSha: sha256(firewallScript({ port: s.mirrorPort, sources: cacheSources, bridge: 'docker0' })),
    firewallUnitSha: sha256(firewallUnit()),
    unitEnabled: true,
    chainRules: rules.chain,
    dockerUserRules: ['-N DOCKER-USER', rules.jump, '-A DOCKER-USER -j RETURN'],
  });
}

