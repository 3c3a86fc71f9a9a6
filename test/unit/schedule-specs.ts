// Builders for schedule specs: realistic defaults, overridden where a test cares.
import type { CircleciSchedule, HostSchedule, KubernetesSchedule } from '../../src/schedule/spec.js';

export function hostSchedule(overrides: Partial<HostSchedule> = {}): HostSchedule {
  return {
    format: 'systemd',
    name: 'fleet-check',
    everySeconds: 900,
    run: { command: 'check', inventories: ['/srv/fleet/inventory.yml'] },
    fleet: ['/usr/bin/node', '/opt/fleet/bin/fleet.js'],
    workdir: '/srv/fleet',
    report: '/srv/fleet/fleet-check.json',
    ...overrides,
  };
}

export function circleciSchedule(overrides: Partial<CircleciSchedule> = {}): CircleciSchedule {
  return {
    format: 'circleci',
    name: 'fleet-check',
    everySeconds: 6 * 3600,
    workdir: '/repo',
    run: { command: 'check', inventories: ['inventories/prod.yml'], knownHosts: 'inventories/known_hosts' },
    branch: 'main',
    sshFingerprints: [],
    ...overrides,
  };
}

export function kubernetesSchedule(overrides: Partial<KubernetesSchedule> = {}): KubernetesSchedule {
  return {
    format: 'kubernetes',
    name: 'fleet-check',
    everySeconds: 900,
    run: { command: 'check', inventories: ['/etc/fleet/inventory/prod.yml'], knownHosts: '/etc/fleet/known-hosts/known_hosts' },
    image: 'registry.example.com/fleet:0.1.0',
    shards: 1,
    hostsPerShard: 100,
    hostsSource: 'counted',
    inventoryFiles: [{ key: 'prod.yml', content: 'all:\n  children:\n    clients:\n      hosts:\n        c1: {}\n', executable: false }],
    knownHosts: 'c1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n',
    envVars: [],
    ...overrides,
  };
}
