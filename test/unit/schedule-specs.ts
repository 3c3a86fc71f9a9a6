// Builders for schedule specs: realistic defaults, overridden where a test cares.
import type { CircleciSchedule, HostSchedule } from '../../src/schedule/spec.js';

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
