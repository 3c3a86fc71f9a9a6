import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSh } from '../../../test/unit/sh.js';
import { DOCKER_DROPIN, dockerDropIn, loadDropInScript } from './boot-persistence.js';

/** A PATH with fake `systemctl` and `docker` that log their calls; systemctl fails `failVerb`. */
function fakeHost(options: { failVerb?: string; dropIns?: string; systemctl?: boolean }) {
  const bin = mkdtempSync(join(tmpdir(), 'fleet-boot-'));
  const log = join(bin, 'calls.log');
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${log}\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  if (options.systemctl !== false) {
    tool('systemctl', `[ "$1" = ${options.failVerb ?? 'none'} ] && { echo "System has not been booted with systemd as init system (PID 1)." >&2; exit 1; }\n[ "$1" = show ] && echo ${JSON.stringify(`DropInPaths=${options.dropIns ?? DOCKER_DROPIN}`)}\nexit 0`);
  }
  tool('docker', 'exit 0');
  const calls = () => {
    try {
      return readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };
  // Without a systemctl of its own, this host must not find the machine's either.
  return { env: { ...process.env, PATH: options.systemctl === false ? bin : `${bin}:/usr/bin:/bin` }, calls };
}

describe('loadDropInScript (a real /bin/sh)', () => {
  it('reloads systemd and checks docker.service loaded the drop-in; touches no container', () => {
    const host = fakeHost({ dropIns: `/etc/systemd/system/docker.service.d/other.conf ${DOCKER_DROPIN}` });
    const result = runSh({ script: loadDropInScript() }, host.env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(host.calls()).toBe('systemctl daemon-reload\nsystemctl show -p DropInPaths docker.service\n');
  });

  it.each([
    ['daemon-reload fails (systemd is not PID 1)', { failVerb: 'daemon-reload' }, /systemctl daemon-reload failed/],
    ['docker.service did not load it (Docker not run by systemd)', { dropIns: '' }, /docker.service did not load the drop-in/],
    ['there is no systemctl', { systemctl: false }, /no systemctl/],
  ])('fails closed when %s: the mirror container is removed, the host fails with the reason', (_name, options, reason) => {
    const host = fakeHost(options);
    const result = runSh({ script: loadDropInScript() }, host.env);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr).toMatch(/the mirror container is not run on this host/);
    expect(host.calls()).toMatch(/^docker rm -f through-cache$/m);
  });
});

describe('the docker.service drop-in', () => {
  it('installs the rules before dockerd starts, without "-": a failure keeps docker down', () => {
    expect(dockerDropIn()).toMatch(/^\[Service\]\nExecStartPre=\/usr\/local\/sbin\/fleet-mirror-firewall\nExecStartPost=\/usr\/local\/sbin\/fleet-mirror-firewall\n$/m);
  });
});
