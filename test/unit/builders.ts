// Builders for test data: a realistic default, overridden where a test cares.
import { Secret } from '../../src/core/command.js';
import { sha256 } from '../../src/core/hash.js';
import type { CacheFacts } from '../../src/facts/cache-host.js';
import type { BootHookFacts, HookFileFact } from '../../src/facts/boot-hook.js';
import type { ClientFacts } from '../../src/facts/docker-client.js';
import { bootHookFiles, DATA_VARIABLE, type HookSettings } from '../../src/modules/boot-hook/files.js';
import type { CacheSettings } from '../../src/inventory/model.js';
import { dockerDropIn } from '../../src/modules/registry-cache/boot-persistence.js';
import { markerContent } from '../../src/modules/registry-cache/data-dir.js';
import { expectedRules, firewallScript } from '../../src/modules/registry-cache/firewall.js';
import { desiredContainer, type FreshIds } from '../../src/modules/registry-cache/plan.js';

const absentFile: HookFileFact = { kind: 'absent' };
export const noBootHook: BootHookFacts = { script: absentFile, scriptDataLines: [], dropIn: absentFile };

/** The hook facts of a host where fleet installed the hook rendered for `s` (the script maybe edited). */
export function installedBootHook(s: HookSettings, edit: (script: string) => string = (x) => x, dropIn = true): BootHookFacts {
  const files = bootHookFiles(s);
  const script = edit(files.script.content);
  const file = (content: string): HookFileFact => ({ kind: 'file', sha256: sha256(content), content });
  return { script: file(script), scriptDataLines: script.split('\n').filter((l) => l.startsWith(`${DATA_VARIABLE}=`)), dropIn: dropIn ? file(files.dropIn.content) : absentFile };
}

export function clientFacts(overrides: Partial<ClientFacts> = {}): ClientFacts {
  return {
    daemonJson: { exists: true, text: '{\n  "log-driver": "json-file"\n}\n', mode: 0o644, uid: 0, gid: 0 },
    dockerd: { running: true, pid: 123, args: ['/usr/bin/dockerd', '-H', 'fd://'], version: '20.10.24' },
    activeMirrors: [],
    hasSystemctl: true,
    dockerUnitState: 'active',
    mirrorFlagSources: [],
    probes: [{ url: 'http://10.0.0.5', ok: true, detail: 'HTTP 200 via curl' }],
    bootHook: noBootHook,
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

/** Fixed "random" ids, so plans are reproducible; the host key differs from the fresh one. */
export const freshIds: FreshIds = { configKey: 'f'.repeat(64), dataDirId: 'd'.repeat(32) };
export const hostConfigKey = 'a'.repeat(64);

export function emptyCacheHost(over: Partial<CacheFacts> = {}): CacheFacts {
  return {
    dockerVersion: '20.10.24',
    imagePresent: false,
    legacyEnvFile: false,
    dropInLoaded: false,
    legacyUnit: false,
    hasSystemctl: true,
    bridge: 'docker0',
    iptables: 'iptables v1.8.9 (nf_tables)',
    dockerUserChain: true,
    dockerUserRules: ['-A DOCKER-USER -j RETURN'],
    firewalldActive: false,
    dataDir: { state: 'absent' },
    ...over,
  };
}

/** The DOCKER-USER jump of an older fleet: it matched the published port before DNAT only. */
export const olderFleetJump = '-A DOCKER-USER -o docker0 -p tcp -m conntrack --ctstate NEW --ctorigdstport 80 --ctdir ORIGINAL -m comment --comment fleet-mirror -j FLEET-MIRROR';

export function convergedCacheHost(s: CacheSettings = cacheSettings): CacheFacts {
  const rules = expectedRules({ port: s.mirrorPort, sources: cacheSources, bridge: 'docker0' });
  const keyed = emptyCacheHost({ configKey: hostConfigKey });
  const { config, label } = desiredContainer(s, keyed, freshIds);
  return {
    ...keyed,
    imagePresent: true,
    container: { id: 'abc', status: 'running', image: s.image, specLabel: label, restartPolicy: 'always', ports: [{ ip: '0.0.0.0', port: s.mirrorPort }] },
    configSha: sha256(config),
    configMode: 0o600,
    firewallScriptSha: sha256(firewallScript({ port: s.mirrorPort, sources: cacheSources, bridge: 'docker0' })),
    dropInSha: sha256(dockerDropIn()),
    dropInLoaded: true,
    chainRules: rules.chain,
    dockerUserRules: [rules.jump, '-A DOCKER-USER -j RETURN'],
    dataDir: { state: 'registry', marker: markerContent(s.dataDir, '0123456789abcdef0123456789abcdef') },
  };
}
