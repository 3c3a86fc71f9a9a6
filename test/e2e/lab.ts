// Access to the running lab (test/lab/lab.sh) from end-to-end tests: its description
// (.lab/lab.json) and commands run inside a host, as root, without SSH.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoDir = fileURLToPath(new URL('../..', import.meta.url));
export const labDir = fileURLToPath(new URL('../../.lab', import.meta.url));
export const labScript = fileURLToPath(new URL('../lab/lab.sh', import.meta.url));

export interface LabHost {
  address: string;
  /** Outer PID of the host's init: what `nsenter -t` needs. */
  pid: number;
  sshd: boolean;
  docker: boolean;
  /** Inventory groups of the host ("cache", "clients"); empty for hub, mirror, outsider. */
  groups: string[];
  /** What the host runs, as in lab.sh's table: sshd, docker, podman, containerd, hub, mirror. */
  services: string[];
}

export interface Lab {
  hosts: Record<string, LabHost>;
  /** Private key accepted for root and for `sudoUser` on every sshd host. */
  keyFile: string;
  /** known_hosts with every sshd host's key, by IP address. */
  knownHosts: string;
  /** The lab's "Docker Hub" (plain registry holding library/busybox:latest). */
  hubUrl: string;
  /** A ready-made pull-through mirror of hubUrl. */
  mirrorUrl: string;
  /** Non-root user with passwordless sudo on every sshd host. */
  sudoUser: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function readLab(): Lab {
  return JSON.parse(readFileSync(`${labDir}/lab.json`, 'utf8')) as Lab;
}

export function labHost(name: string, lab: Lab = readLab()): LabHost {
  const host = lab.hosts[name];
  if (!host) throw new Error(`no lab host ${name} (hosts: ${Object.keys(lab.hosts).join(', ')})`);
  return host;
}

/** Names of the lab hosts in an inventory group, e.g. "clients". */
export function groupHosts(group: string, lab: Lab = readLab()): string[] {
  return Object.entries(lab.hosts)
    .filter(([, h]) => h.groups.includes(group))
    .map(([name]) => name);
}

/** Run a command and collect its output; never rejects on a non-zero exit. */
export function run(cmd: string, args: string[], stdin?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.on('error', () => {}); // the command may exit without reading stdin
    child.stdin.end(stdin ?? '');
  });
}

/** `sh -c script` inside a lab host (its network, mount, UTS and PID namespaces), as root,
 *  with the same clean environment as `lab.sh exec`. */
export function hostExec(host: string, script: string, stdin?: string): Promise<ExecResult> {
  const { pid } = labHost(host);
  return run(
    'nsenter',
    ['-t', String(pid), '-n', '-m', '-u', '-p', '--',
     'env', '-i', '-C', '/', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
     'HOME=/root', 'LANG=C.UTF-8', 'sh', '-c', script],
    stdin,
  );
}

/** Like hostExec, but rejects unless the script exits 0; resolves to its stdout. */
export async function hostSh(host: string, script: string, stdin?: string): Promise<string> {
  const r = await hostExec(host, script, stdin);
  if (r.code !== 0) throw new Error(`${host}: \`${script}\` exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Put docker hosts back to the state `lab.sh up` left them in (see `lab.sh reset`). */
export async function resetHost(...hosts: string[]): Promise<void> {
  const r = await run('bash', [labScript, 'reset', ...hosts]);
  if (r.code !== 0) throw new Error(`lab.sh reset ${hosts.join(' ')} failed: ${r.stderr.trim()}`);
}

/** Simulate a reboot: dockerd stopped, iptables emptied, systemd state forgotten, docker started as at boot. */
export async function rebootHost(...hosts: string[]): Promise<ExecResult> {
  return run('bash', [labScript, 'reboot', ...hosts]);
}

/** The lab's clients that run Podman and containerd (groups podman_clients, containerd_clients). */
export const RUNTIME_CLIENTS = ['client-podman', 'client-containerd'];

// No parameter: files pass it to afterAll/beforeEach as is, where vitest reads a first parameter as fixtures.
export async function resetClients(): Promise<void> {
  await resetHost(...groupHosts('clients'));
}

/** The Docker clients and the Podman and containerd clients back to their state after `lab.sh up`. */
export async function resetEveryClient(): Promise<void> {
  await resetHost(...groupHosts('clients'), ...RUNTIME_CLIENTS);
}

/** Mirrors the host's running dockerd uses, as `docker info` prints them (trailing `/`). */
export async function activeMirrors(host: string): Promise<string[]> {
  return JSON.parse((await hostSh(host, `docker info --format '{{json .RegistryConfig.Mirrors}}'`)).trim()) ?? [];
}

/** mtime, mode, owner and sha256 of a host's daemon.json, or "absent": equal strings mean untouched. */
export async function fileState(host: string, path = '/etc/docker/daemon.json'): Promise<string> {
  return hostSh(host, `if [ -e ${path} ]; then stat -c "%Y.%y %a %u" ${path}; sha256sum < ${path}; else echo absent; fi`);
}
