import { existsSync, mkdirSync, mkdtempSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runSh } from '../../test/unit/sh.js';
import { stubPath } from '../../test/unit/stubs.js';
import { sha256 } from '../core/hash.js';
import { clientFactsCommand, parseActiveMirrors, parseClientFacts } from './docker-client.js';

/** The only real tools the facts script may use here: no curl, wget or docker leaks in. */
const BASIC_TOOLS = ['base64', 'tr', 'stat', 'grep', 'cat', 'printf', 'readlink', 'sha256sum', 'cut'];

/** A hermetic PATH: stub commands plus the basic tools; the facts script runs for real against it. */
function stubs(commands: Record<string, string>): string {
  return stubPath(BASIC_TOOLS, commands);
}

function gather(daemonJson: string | undefined, commands: Record<string, string>, mirrors = ['http://192.0.2.5'], prepare: (path: string) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-facts-'));
  const path = join(dir, 'daemon.json');
  if (daemonJson !== undefined) writeFileSync(path, daemonJson);
  prepare(path);
  const args = { daemonJsonPath: path, probeMirrors: mirrors, bootHook: hookArgs(dir) };
  const bin = stubs({ pidof: 'exit 1', pgrep: 'exit 1', ...commands });
  const result = runSh(clientFactsCommand(args), { ...process.env, PATH: bin });
  return parseClientFacts(result, args);
}

const hookArgs = (dir: string) => ({ scriptPath: join(dir, 'hook.sh'), dropInPath: join(dir, 'hook.conf'), dataPrefix: 'DATA=' });

const docker = `[ "$1 $2 $3" = 'info --format {{.ServerVersion}} {{json .RegistryConfig.Mirrors}}' ] && echo 'WARNING: No swap limit support' >&2 && echo '20.10.24 ["http://192.0.2.5/"]'`;

describe('client facts', () => {
  it('reads file content byte-exact, mode and the active mirrors', () => {
    const content = '{\n\t"debug": false, "x": "é"\n}\n';
    const facts = gather(content, { docker, curl: 'echo 200' });
    expect(facts.daemonJson).toMatchObject({ exists: true, text: content });
    expect(facts.daemonJson.mode).toBeTypeOf('number');
    expect(facts.activeMirrors).toEqual(['http://192.0.2.5']);
    expect(facts.dockerd.version).toBe('20.10.24');
    expect(facts.probes).toEqual([{ url: 'http://192.0.2.5', ok: true, detail: 'HTTP 200 via curl' }]);
  });

  it('follows a symlinked daemon.json to the file it leads to, through every link', () => {
    let target = '';
    const facts = gather('{"debug": true}', { docker, curl: 'echo 200' }, undefined, (path) => {
      const real = join(path, '..', 'real');
      mkdirSync(real);
      renameSync(path, join(real, 'daemon.json'));
      symlinkSync(join(real, 'daemon.json'), join(real, 'link.json'));
      symlinkSync('real/link.json', path); // relative, and a link to a link
      target = realpathSync(join(real, 'daemon.json'));
    });
    expect(facts.daemonJson).toMatchObject({ exists: true, text: '{"debug": true}', linkTarget: target });
    expect(gather('{}', { docker, curl: 'echo 200' }).daemonJson).not.toHaveProperty('linkTarget');
  });

  it('reports an absent file and a daemon that is not running', () => {
    const facts = gather(undefined, { docker: 'echo "Cannot connect to the Docker daemon" >&2; exit 1', curl: 'echo 000; exit 7' });
    expect(facts.daemonJson).toEqual({ exists: false });
    expect(facts.dockerd.running).toBe(false);
    expect(facts.dockerInfoError).toMatch(/Cannot connect/);
    expect(facts.probes[0]).toMatchObject({ ok: false, detail: 'no answer via curl (exit 7: connection refused or unreachable)' });
  });

  it('finds a mirror flag in the running dockerd\'s argv', () => {
    // A live process whose argv carries the flag stands in for dockerd.
    const fake = spawn('/bin/sh', ['-c', 'sleep 30', 'dockerd', '--registry-mirror=http://192.0.2.9'], { stdio: 'ignore' });
    try {
      const facts = gather('{}', { docker, curl: 'echo 200', pidof: `echo ${fake.pid}` });
      expect(facts.dockerd).toMatchObject({ running: true, pid: fake.pid });
      expect(facts.mirrorFlagSources).toEqual([`running dockerd (pid ${fake.pid}) has --registry-mirror=http://192.0.2.9`]);
    } finally {
      fake.kill();
    }
    expect(gather('{}', { docker, curl: 'echo 200', pidof: `echo ${process.pid}` }).mirrorFlagSources).toEqual([]);
  });

  it('falls back to wget, and says so when the host has neither', () => {
    expect(gather('{}', { docker, wget: 'exit 0' }).probes[0]).toMatchObject({ ok: true, detail: 'HTTP 2xx via wget' });
    expect(gather('{}', { docker }).probes[0]).toMatchObject({ ok: false, detail: 'cannot probe: the host has neither curl nor wget' });
  });

  it('finds mirror flags in the docker unit and in /etc/default-style files, and none when absent', () => {
    const unit = `case "$1" in is-active) echo active;; cat) printf '[Service]\\nExecStart=/usr/bin/dockerd --registry-mirror=http://192.0.2.7\\n';; esac`;
    const withUnit = gather('{}', { docker, curl: 'echo 200', systemctl: unit });
    expect(withUnit.dockerUnitState).toBe('active');
    expect(withUnit.mirrorFlagSources).toEqual(['docker.service unit: ExecStart=/usr/bin/dockerd --registry-mirror=http://192.0.2.7']);
    const plain = gather('{}', { docker, curl: 'echo 200', systemctl: 'case "$1" in is-active) echo active;; cat) echo "[Service]";; esac' });
    expect(plain.mirrorFlagSources).toEqual([]);
  });

  it('works with a base64 that has no -w option', () => {
    const real = ['/usr/bin/base64', '/bin/base64'].find((p) => existsSync(p));
    const oldBase64 = `case "$1" in -w) echo "base64: unknown option -- w" >&2; exit 64;; esac; exec ${real} "$@"`;
    const content = '{\n  "debug": true, "long": "' + 'x'.repeat(200) + '"\n}\n';
    const facts = gather(content, { docker, curl: 'echo 200', base64: oldBase64 });
    expect(facts.daemonJson).toMatchObject({ exists: true, text: content });
  });

  it('reads the boot hook in the same command: each file, its content and the script\'s data lines', () => {
    const script = "#!/bin/sh\nDATA='{\"mirrors\": []}'\necho never run\n";
    const facts = gather('{}', { docker, curl: 'echo 200' }, undefined, (path) => writeFileSync(join(path, '..', 'hook.sh'), script));
    expect(facts.bootHook).toEqual({ script: { kind: 'file', sha256: sha256(script), content: script }, scriptDataLines: [`DATA='{"mirrors": []}'`], dropIn: { kind: 'absent' } });
  });

  it('parses docker info output of old and new engines', () => {
    expect(parseActiveMirrors('null')).toEqual([]);
    expect(parseActiveMirrors('[]')).toEqual([]);
    expect(parseActiveMirrors('["http://a/","http://b:5000/"]')).toEqual(['http://a', 'http://b:5000']);
    expect(parseActiveMirrors('garbage')).toBeUndefined();
  });

  it('fails loudly when the facts command itself fails', () => {
    expect(() => parseClientFacts({ exitCode: 1, stdout: '', stderr: 'sudo: a password is required' }, { daemonJsonPath: '/x', probeMirrors: [], bootHook: hookArgs('/x') })).toThrow(/sudo/);
  });
});
