// The Ansible side of the benchmark: inventory, settings per tuning, the playbook runs, and the
// PLAY RECAP read back so a run that did not do the work does not count.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const PLAYBOOKS = new URL('./playbooks/', import.meta.url).pathname;

/** Ansible's own defaults (forks 5, facts gathered, no pipelining), and the best tuning:
 * forks 100, pipelining, no facts, one ControlPersist master per host for the whole run. */
export function ansibleTunings() {
  return [
    { name: 'ansible-default', label: 'Ansible defaults (forks 5)', env: {} },
    {
      name: 'ansible-tuned',
      label: 'Ansible tuned (forks 100, pipelining, ControlPersist, no facts)',
      env: {
        ANSIBLE_FORKS: '100',
        ANSIBLE_PIPELINING: 'True',
        ANSIBLE_GATHERING: 'explicit',
        ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=300s',
      },
    },
  ];
}

export function writeAnsibleInventory(dir, lab, hosts, user) {
  const lines = ['[clients]', ...hosts.map((h) => `${h.name} ansible_host=${h.address}${h.port ? ` ansible_port=${h.port}` : ''}`), '[clients:vars]',
    `ansible_user=${user}`, `ansible_ssh_private_key_file=${lab.keyFile}`, `registry_mirrors=["${lab.mirrorUrl}"]`];
  const file = join(dir, 'ansible-hosts.ini');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Environment of one ansible-playbook run: host keys checked against the lab's known_hosts,
 * ControlPersist masters in a directory of this run (measure() counts and ends them). */
export function ansibleEnv(base, tuning, lab, runDir) {
  // Short: a control socket path must fit in a sockaddr_un (108 bytes).
  const controlDir = mkdtempSync('/tmp/fleet-bench-cp-');
  mkdirSync(join(runDir, 'tmp'), { recursive: true });
  return {
    ...base,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_SSH_COMMON_ARGS: `-o UserKnownHostsFile=${lab.knownHosts}`,
    ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
    ANSIBLE_LOCAL_TEMP: join(runDir, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ...tuning.env,
  };
}

export function ansibleArgv(inventory, op) {
  const playbook = join(PLAYBOOKS, op === 'rollback' ? 'rollback.yml' : 'mirrors.yml');
  return ['ansible-playbook', '-i', inventory, playbook, ...(op === 'check' ? ['--check', '--diff'] : [])];
}

/** Hosts per PLAY RECAP state: { hosts, changed, ok, failed, unreachable }. */
export function ansibleRecap(output) {
  const recap = { hosts: 0, changed: 0, ok: 0, failed: 0, unreachable: 0 };
  for (const m of output.matchAll(/^\S+\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    recap.hosts++;
    if (Number(m[3]) > 0) recap.unreachable++;
    else if (Number(m[4]) > 0) recap.failed++;
    else if (Number(m[2]) > 0) recap.changed++;
    else recap.ok++;
  }
  return recap;
}
