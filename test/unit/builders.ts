// Builders for test data: a realistic default, overridden where a test cares.
import type { ClientFacts } from '../../src/facts/docker-client.js';

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
