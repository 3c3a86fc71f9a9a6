// The repository's Dockerfile builds, and its image runs fleet as the non-root user the
// Kubernetes CronJob expects. Built by a lab host's real dockerd (the machine itself runs none)
// FROM a local stand-in for node:20-slim (test/e2e/node-base-rootfs.sh; no Docker Hub here),
// passed with --build-arg NODE_IMAGE as an operator with a private mirror would.
import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import { quote } from '../../src/core/command.js';
import { POD } from '../../src/schedule/kubernetes.js';
import { kubeletExpand } from '../unit/kubelet-expand.js';
import { fleet } from './fleet.js';
import { hostExec, hostSh, labDir, readLab, repoDir, resetClients, run } from './lab.js';

const HOST = 'cache-2';
const BASE = 'fleet-e2e/node:20-slim';
const IMAGE = 'fleet-e2e/fleet:test';
let scratch: string;
let context: string;

/**
 * The build context: the repository's files, with a lockfile whose entries say where each
 * tarball lives (`resolved`, as npm writes it by default). The image's npm runs offline from the
 * local cache, which holds every tarball by its integrity but not every registry document; with
 * `resolved`, npm ci needs the tarballs only.
 */
function buildContext(dir: string): string {
  for (const f of ['Dockerfile', '.dockerignore', 'package.json', 'tsconfig.json', 'src', 'bin', 'templates', 'inventories']) {
    cpSync(path.join(repoDir, f), path.join(dir, f), { recursive: true });
  }
  const lock = JSON.parse(readFileSync(path.join(repoDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; resolved?: string; link?: boolean }> };
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (where === '' || entry.link || entry.resolved || !entry.version) continue;
    const name = where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    entry.resolved = `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
  }
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  return dir;
}

/** `docker ...` on the lab host; words are fixed strings of this file, no quoting needed. */
const docker = (args: string) => hostExec(HOST, `docker ${args}`);

beforeAll(async () => {
  // The pod checks the lab's clients: start them as the lab made them, whatever earlier files did.
  await resetClients();
  // Under the lab's directory: a lab host has its own /tmp, but sees the repository.
  mkdirSync(labDir, { recursive: true });
  scratch = mkdtempSync(path.join(labDir, 'fleet-image-'));
  const root = path.join(scratch, 'root');
  context = buildContext(path.join(scratch, 'context'));
  const cache = (await run('npm', ['config', 'get', 'cache'])).stdout.trim();
  const rootfs = await run('bash', [path.join(repoDir, 'test/e2e/node-base-rootfs.sh'), root, cache]);
  expect(rootfs.stderr).toBe('');
  expect(rootfs.code).toBe(0);
  await hostSh(HOST, `docker rmi -f ${IMAGE} ${BASE} >/dev/null 2>&1; true`);
  await hostSh(
    HOST,
    `test -x '${root}/bin/sh' && tar -C '${root}' --numeric-owner --owner=0 --group=0 -c . | docker import ` +
      `--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' ` +
      `--change 'ENV NPM_CONFIG_CACHE=/npm-cache' --change 'ENV NPM_CONFIG_OFFLINE=true' --change 'CMD ["node"]' - ${BASE}`,
  );
}, 600_000);

afterAll(async () => {
  await hostExec(HOST, `docker rmi -f ${IMAGE} ${BASE}; docker image prune -f`);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the fleet image (Dockerfile)', () => {
  it('builds in two stages from NODE_IMAGE, with the legacy builder as on Docker 20.10', async () => {
    // The legacy builder honours .dockerignore and multi-stage builds; no BuildKit needed.
    const build = await hostExec(HOST, `DOCKER_BUILDKIT=0 docker build --build-arg NODE_IMAGE=${BASE} -t ${IMAGE} '${context}' 2>&1`);
    expect(build.stdout).toMatch(/Successfully tagged fleet-e2e\/fleet:test/);
    expect(build.code).toBe(0);
  }, 1_200_000);

  it('runs `fleet --help` by default, read-only, without capabilities, as the uid the CronJob runs as', async () => {
    const inspect = await docker(`image inspect --format '{{.Config.User}} {{json .Config.Entrypoint}} {{.Config.WorkingDir}}' ${IMAGE}`);
    expect(inspect.stdout.trim()).toBe(`${POD.uid}:${POD.uid} ["fleet"] ${POD.workdir}`);
    const help = await docker(`run --rm --read-only --cap-drop ALL --security-opt no-new-privileges --user ${POD.uid}:${POD.uid} ${IMAGE}`);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/fleet schedule/);
    const schedule = await docker(`run --rm --read-only ${IMAGE} schedule --help`);
    expect(schedule.stdout).toContain('kubernetes');
    const id = await docker(`run --rm --entrypoint /bin/sh ${IMAGE} -c 'id -u; printf %s "$HOME"'`);
    expect(id.stdout).toBe(`${POD.uid}\n${POD.home}`);
  }, 300_000);

  it('holds production dependencies only, and no sources or tests', async () => {
    const ls = await docker(`run --rm --entrypoint /bin/sh ${IMAGE} -c 'ls /opt/fleet /opt/fleet/node_modules'`);
    expect(ls.code).toBe(0);
    const names = ls.stdout.split(/\s+/);
    for (const runtime of ['yargs', 'ssh2', 'yaml', 'listr2', 'dist', 'templates', 'bin']) expect(names).toContain(runtime);
    for (const dev of ['typescript', 'vitest', 'kubernetes-models', 'src', 'test']) expect(names).not.toContain(dev);
  }, 300_000);

  it("runs the rendered CronJob's container as kubelet would, and checks the lab with the key and known_hosts mounted as in the pod", async () => {
    const lab = readLab();
    const work = path.join(scratch, 'pod');
    mkdirSync(work);
    const clients = ['client-1', 'client-2', 'client-3'];
    // No key file named: in the pod fleet finds the Secret's key as ~/.ssh/id_ed25519.
    const inventory = { all: { vars: { ansible_user: 'root', mirror_url: lab.mirrorUrl }, children: { clients: { hosts: Object.fromEntries(clients.map((c) => [c, { ansible_host: lab.hosts[c]!.address }])) } } } };
    writeFileSync(path.join(work, 'lab.yml'), stringify(inventory));
    copyFileSync(lab.knownHosts, path.join(work, 'known_hosts'));
    const rendered = await fleet(work, ['schedule', 'lab.yml', '--every', '15m', '--format', 'kubernetes', '--image', IMAGE, '--known-hosts', 'known_hosts', '--out', 'k8s']);
    expect(rendered.stderr).toBe('');
    expect(rendered.code).toBe(0);
    const [inventoryMap, knownHostsMap, cronJob] = parseAllDocuments(readFileSync(path.join(work, 'k8s', 'fleet-check.yaml'), 'utf8')).map((d) => d.toJS()) as [IConfigMap, IConfigMap, ICronJob];
    const pod = cronJob.spec!.jobTemplate.spec!.template.spec!;
    const container = pod.containers[0]!;

    // The volumes, as kubelet lays them out: ConfigMap keys as files, the Secret's key root-owned
    // with the pod's fsGroup (0400 made group-readable), emptyDirs writable by the pod's user.
    const volumeDir = (name: string) => path.join(work, 'volumes', name);
    for (const [name, data] of [['inventory', inventoryMap.data], ['known-hosts', knownHostsMap.data]] as const) {
      mkdirSync(volumeDir(name), { recursive: true });
      for (const [key, content] of Object.entries(data ?? {})) writeFileSync(path.join(volumeDir(name), key), content, { mode: 0o444 });
    }
    const keyItem = pod.volumes!.find((v) => v.name === 'ssh-key')!.secret!;
    mkdirSync(volumeDir('ssh-key'));
    const keyFile = path.join(volumeDir('ssh-key'), keyItem.items![0]!.path);
    copyFileSync(lab.keyFile, keyFile);
    chownSync(keyFile, 0, pod.securityContext!.fsGroup!);
    chmodSync(keyFile, keyItem.defaultMode! | 0o040);
    const mounts = container.volumeMounts!.flatMap((m) => {
      const volume = pod.volumes!.find((v) => v.name === m.name)!;
      if (volume.emptyDir) return ['--tmpfs', `${m.mountPath}:rw,uid=${POD.uid},gid=${POD.uid}`];
      return ['-v', `${volumeDir(m.name)}:${m.mountPath}:ro`];
    });
    const env = Object.fromEntries(container.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    const [entrypoint, ...words] = [...container.command!, ...(container.args ?? [])].map((w) => kubeletExpand(w, env));
    const sc = pod.securityContext!;
    const argv = [
      'run', '--rm', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '--user', `${sc.runAsUser}:${sc.runAsGroup}`, '--group-add', String(sc.fsGroup), '-w', container.workingDir!,
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), ...mounts,
      '--entrypoint', entrypoint!, container.image!, ...words,
    ];
    const r = await hostExec(HOST, `docker ${argv.map(quote).join(' ')}`);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { hosts: Array<{ host: string; status: string }> };
    expect(report.hosts.map((h) => h.host).sort()).toEqual(clients);
    for (const h of report.hosts) expect(['in-sync', 'drift'], JSON.stringify(h)).toContain(h.status);
    expect([0, 2]).toContain(r.code);
  }, 300_000);
});
