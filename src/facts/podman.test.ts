import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSh } from '../../test/unit/sh.js';
import { stubPath } from '../../test/unit/stubs.js';
import { parsePodmanFacts, parseResolvedRegistries, podmanFactsCommand } from './podman.js';

const BASIC_TOOLS = ['base64', 'tr', 'stat', 'cat', 'printf'];

// What Podman 4.3 printed on the lab's Podman host with a drop-in for the lab's mirror.
const INFO = '4.3.1 {"docker.io":{"Prefix":"docker.io","Location":"docker.io","Insecure":false,"PullFromMirror":"","Mirrors":[{"Location":"10.77.0.3","Insecure":true,"PullFromMirror":""}],"Blocked":false,"MirrorByDigestOnly":false},"search":["docker.io"]}';

function stubs(commands: Record<string, string>): string {
  return stubPath(BASIC_TOOLS, commands);
}

function gather(files: Record<string, string>, commands: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'fleet-podman-'));
  mkdirSync(join(root, 'registries.conf.d'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  const args = { registriesConf: join(root, 'registries.conf'), dropInDir: join(root, 'registries.conf.d'), userRegistriesConf: join(root, 'user.conf') };
  const result = runSh(podmanFactsCommand(args), { ...process.env, PATH: stubs({ pgrep: 'exit 1', ...commands }) });
  return parsePodmanFacts(result);
}

describe('podman facts', () => {
  it('reads the configuration files, the drop-ins in byte order, and the registries Podman resolves', () => {
    const facts = gather(
      {
        'registries.conf': '# only comments\n',
        'registries.conf.d/shortnames.conf': '[aliases]\n"x" = "docker.io/library/x"\n',
        'registries.conf.d/zz-fleet-mirrors.conf': '[[registry]]\n',
        'registries.conf.d/A.conf': 'a\n',
        'registries.conf.d/notes.txt': 'ignored\n',
      },
      { podman: `[ "$1 $2 $3" = 'info --format {{.Version.Version}} {{json .Registries}}' ] && echo 'time="x" level=warning msg="no systemd"' >&2 && echo '${INFO}'` },
    );
    expect(facts).toMatchObject({ installed: true, version: '4.3.1', registriesConf: { exists: true, text: '# only comments\n', mode: 0o644 }, userRegistriesConf: { exists: false }, servicePids: [] });
    expect(facts.dropIns.map((d) => d.name)).toEqual(['A.conf', 'shortnames.conf', 'zz-fleet-mirrors.conf']);
    expect(facts.dropIns[2]!.file.text).toBe('[[registry]]\n');
    expect(facts.resolved?.get('docker.io')).toEqual({ location: 'docker.io', mirrors: [{ location: '10.77.0.3', insecure: true }] });
    expect(facts.infoError).toBeUndefined();
  });

  it('reports podman info failing (a drop-in it cannot load), and no podman at all', () => {
    const failing = gather({}, { podman: 'echo \'Error: getting registries: loading drop-in registries configuration "/etc/containers/registries.conf.d/ab.conf": invalid condition\' >&2; exit 125' });
    expect(failing.installed).toBe(true);
    expect(failing.resolved).toBeUndefined();
    expect(failing.infoError).toMatch(/^Error: getting registries: loading drop-in .*ab\.conf/);
    const none = gather({}, {});
    expect(none).toMatchObject({ installed: false, registriesConf: { exists: false }, dropIns: [] });
    expect(none.infoError).toBeUndefined();
  });

  it('finds running podman system service processes by their arguments, not by name alone', () => {
    // A process whose argv holds "system service" (as `podman system service --time=0` does),
    // and this test's own process, which is no service: pgrep is stubbed, /proc is real.
    const service = spawn('/bin/sh', ['-c', 'sleep 30; true', 'podman', 'system', 'service'], { stdio: 'ignore' });
    try {
      const facts = gather({}, { pgrep: `echo ${process.pid}; echo ${service.pid}` });
      expect(facts.servicePids).toEqual([service.pid]);
    } finally {
      service.kill();
    }
  });
});

describe('parseResolvedRegistries', () => {
  it('reads mirrors by prefix and skips the search list', () => {
    const map = parseResolvedRegistries('{"docker.io":{"Location":"docker.io","Mirrors":[{"Location":"a","Insecure":false},{"Location":"b","Insecure":true}]},"search":["docker.io"]}');
    expect([...map!.entries()]).toEqual([['docker.io', { location: 'docker.io', mirrors: [{ location: 'a', insecure: false }, { location: 'b', insecure: true }] }]]);
    expect(parseResolvedRegistries('{}')?.size).toBe(0);
  });

  it.each(['', 'null', '[]', '{"docker.io":5}', 'not json'])('refuses %j', (json) => {
    expect(parseResolvedRegistries(json)).toBeUndefined();
  });
});
