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

describe('buildSpec --format kubernetes', () => {
  const kubernetes = { inventoryFiles: [{ key: 'prod.yml', content: 'all: {}\n', executable: false }], knownHosts: '', envVars: ['HUB_TOKEN'], hosts: { caches: 1, clients: 10 } };
  const k8s = (overrides: Partial<ScheduleFlags>, inputs: Partial<typeof kubernetes> = {}) =>
    buildSpec(flags({ format: 'kubernetes', image: 'registry.example.com/fleet:0.1.0', ...overrides }), { ...ctx, kubernetes: { ...kubernetes, ...inputs } });

  it('runs the inventory and known_hosts where the ConfigMaps are mounted; the cache host counts in shard 1', () => {
    expect(k8s({ shards: 3, limit: 'clients' })).toMatchObject({
      format: 'kubernetes',
      shards: 3,
      hostsPerShard: 1 + 4,
      hostsSource: 'counted',
      envVars: ['HUB_TOKEN'],
      run: { command: 'check', inventories: ['/etc/fleet/inventory/prod.yml'], knownHosts: '/etc/fleet/known-hosts/known_hosts', limit: 'clients' },
    });
    expect(k8s({ 'hosts-per-shard': 300 })).toMatchObject({ shards: 1, hostsPerShard: 300, hostsSource: 'given' });
  });

  it('needs --hosts-per-shard when the inventory cannot be counted here', () => {
    expect(() => k8s({}, { hosts: undefined })).toThrow(/cannot be counted here .*give --hosts-per-shard N/);
    expect(k8s({ 'hosts-per-shard': 50 }, { hosts: undefined })).toMatchObject({ hostsPerShard: 50 });
  });

  it('refuses what Kubernetes or the pod would not take, naming the flag', () => {
    expect(() => k8s({ image: undefined })).toThrow('--format kubernetes needs --image');
    expect(() => k8s({ image: 'fleet latest' })).toThrow('--image "fleet latest": not an image reference');
    expect(() => k8s({ name: 'Fleet_Check' })).toThrow('--name "Fleet_Check": a Kubernetes CronJob name');
    expect(() => k8s({ name: 'a'.repeat(53) })).toThrow('at most 52');
    expect(() => k8s({ namespace: 'Ops' })).toThrow('--namespace "Ops"');
    for (const shards of [0, 1.5, 1001]) expect(() => k8s({ shards })).toThrow('--shards must be a whole number from 1 to 1000');
    expect(() => k8s({ 'hosts-per-shard': 0 })).toThrow('--hosts-per-shard must be a whole number');
    expect(() => k8s({ prometheus: '/x.prom' })).toThrow('--prometheus applies to --format systemd or cron only');
    expect(() => k8s({ workdir: '/srv' })).toThrow('--workdir applies to --format systemd or cron or circleci only');
    expect(() => buildSpec(flags({ image: 'x' }), ctx)).toThrow('--image applies to --format kubernetes only');
    expect(() => buildSpec(flags({ shards: 2 }), ctx)).toThrow('--shards applies to --format kubernetes only');
  });
});
