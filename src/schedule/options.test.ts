import { describe, expect, it } from 'vitest';
import { buildSpec, type ScheduleFlags, type SpecContext } from './options.js';

const ctx: SpecContext = { cwd: '/srv/fleet', runningFleet: ['/usr/bin/node', '/opt/fleet/bin/fleet.js'] };
const flags = (overrides: Partial<ScheduleFlags>): ScheduleFlags => ({ inventories: ['inventory.yml'], every: '15m', format: 'systemd', name: 'fleet-check', ...overrides });

describe('buildSpec', () => {
  it('makes every path absolute and runs this fleet by default', () => {
    const spec = buildSpec(flags({ 'known-hosts': 'kh', prometheus: '../prom/fleet.prom', 'environment-file': '/etc/fleet/check.env', forks: 10, limit: 'clients' }), ctx);
    expect(spec).toMatchObject({
      format: 'systemd',
      everySeconds: 900,
      workdir: '/srv/fleet',
      fleet: ['/usr/bin/node', '/opt/fleet/bin/fleet.js'],
      envFile: '/etc/fleet/check.env',
      report: '/srv/fleet/fleet-check.json',
      run: { command: 'check', inventories: ['/srv/fleet/inventory.yml'], knownHosts: '/srv/fleet/kh', prometheus: '/srv/prom/fleet.prom', forks: 10, limit: 'clients' },
    });
    expect(buildSpec(flags({ 'fleet-bin': 'bin/fleet', workdir: 'sub' }), ctx)).toMatchObject({ fleet: ['/srv/fleet/bin/fleet'], workdir: '/srv/fleet/sub' });
  });

  it('refuses flags that do not apply to the format, naming the formats they apply to', () => {
    expect(() => buildSpec(flags({ format: 'circleci', 'known-hosts': 'kh', user: 'fleet' }), ctx)).toThrow('--user applies to --format systemd or cron only');
    expect(() => buildSpec(flags({ report: 'r.json' }), ctx)).toThrow('--report applies to --format cron only');
    expect(() => buildSpec(flags({ branch: 'main' }), ctx)).toThrow('--branch applies to --format circleci only');
    expect(() => buildSpec(flags({ 'ssh-fingerprint': ['SHA256:x'] }), ctx)).toThrow('--ssh-fingerprint applies to --format circleci only');
  });

  it('checks names, users, forks, formats and durations', () => {
    expect(() => buildSpec(flags({ name: 'fleet.check' }), ctx)).toThrow(/--name "fleet.check": letters, digits/);
    expect(() => buildSpec(flags({ user: 'root; rm' }), ctx)).toThrow(/--user .*not a valid user name/);
    expect(() => buildSpec(flags({ forks: 0 }), ctx)).toThrow(/--forks/);
    expect(() => buildSpec(flags({ format: 'launchd' }), ctx)).toThrow(/--format "launchd": choose one of systemd, cron, circleci/);
    expect(() => buildSpec(flags({ every: 'soon' }), ctx)).toThrow(/--every "soon": not a duration/);
    expect(() => buildSpec(flags({ workdir: '/srv/a\nb' }), ctx)).toThrow(/--workdir .*control characters/);
  });

  it('refuses a quote in the program path for systemd, which will not start it', () => {
    expect(() => buildSpec(flags({ 'fleet-bin': "/opt/it's/fleet" }), ctx)).toThrow(/systemd refuses quotes/);
    expect(buildSpec(flags({ format: 'cron', 'fleet-bin': "/opt/it's/fleet" }), ctx)).toMatchObject({ fleet: ["/opt/it's/fleet"] });
  });

  it('for CircleCI: paths relative to the repository, known_hosts required, inside the repository', () => {
    const spec = buildSpec(flags({ format: 'circleci', inventories: ['inventories/prod.yml'], 'known-hosts': '/srv/fleet/inventories/known_hosts', context: 'fleet', 'ssh-fingerprint': ['SHA256:NPj4IcXxqQEKGXOghi/QbG2sohoNfvZ30JwCcdSSNM0'] }), ctx);
    expect(spec).toMatchObject({ format: 'circleci', branch: 'main', context: 'fleet', run: { command: 'check', inventories: ['inventories/prod.yml'], knownHosts: 'inventories/known_hosts' } });
    expect(() => buildSpec(flags({ format: 'circleci' }), ctx)).toThrow(/needs --known-hosts FILE/);
    expect(() => buildSpec(flags({ format: 'circleci', 'known-hosts': '/root/.ssh/known_hosts' }), ctx)).toThrow(/--known-hosts \/root\/.ssh\/known_hosts is not inside the repository \/srv\/fleet/);
    expect(() => buildSpec(flags({ format: 'circleci', 'known-hosts': 'kh', 'ssh-fingerprint': ['nope'] }), ctx)).toThrow(/--ssh-fingerprint "nope"/);
    expect(() => buildSpec(flags({ format: 'circleci', 'known-hosts': 'kh', branch: '<< x >>' }), ctx)).toThrow(/--branch/);
  });

  it('--command apply: fleet apply runs, named fleet-apply unless --name says otherwise, without --prometheus', () => {
    expect(buildSpec(flags({ command: 'apply', name: undefined }), ctx)).toMatchObject({ name: 'fleet-apply', report: '/srv/fleet/fleet-apply.json', run: { command: 'apply', inventories: ['/srv/fleet/inventory.yml'] } });
    expect(buildSpec(flags({ name: undefined }), ctx)).toMatchObject({ name: 'fleet-check', run: { command: 'check' } });
    expect(buildSpec(flags({ command: 'apply', name: 'converge' }), ctx)).toMatchObject({ name: 'converge' });
    expect(() => buildSpec(flags({ command: 'apply', prometheus: 'x.prom' }), ctx)).toThrow('--prometheus applies to --command check only');
    expect(() => buildSpec(flags({ command: 'rollback' }), ctx)).toThrow(/--command "rollback": choose one of check, apply/);
  });
});
