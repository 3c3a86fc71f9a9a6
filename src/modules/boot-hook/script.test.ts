// The rendered merge script, run by a real /bin/sh against real files: with python3, with jq only
// (python3 kept off PATH), and with neither. Whatever happens it exits 0, and a file it cannot
// merge stays byte-identical.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hookSandbox, MIRRORS, type Sandbox, type Tools } from '../../../test/unit/boot-hook-sandbox.js';

const isRoot = process.getuid?.() === 0;
const mirrorsOf = (file: string) => JSON.parse(readFileSync(file, 'utf8'))['registry-mirrors'];

/** Write daemon.json, run the hook, and say whether it left the file exactly as it was. */
function runOn(sandbox: Sandbox, content: string | undefined) {
  if (content !== undefined) writeFileSync(sandbox.daemonJson, content);
  const run = sandbox.run();
  const after = existsSync(sandbox.daemonJson) ? readFileSync(sandbox.daemonJson, 'utf8') : undefined;
  return { ...run, after, untouched: after === content };
}

describe.each<Tools>(['python3', 'jq'])('the boot hook with %s', (tools) => {
  it('sets registry-mirrors and keeps every other key, in order, with their values', () => {
    const box = hookSandbox(tools);
    const r = runOn(box, '{\n  "userns-remap": "default",\n  "default-address-pools": [ { "base": "10.250.0.0/16", "size": 24 } ],\n  "registry-mirrors": ["http://old.example"],\n  "debug": true,\n  "max-concurrent-downloads": 3,\n  "log-opts": {}\n}\n');
    expect(r.status).toBe(0);
    const after = JSON.parse(r.after!);
    expect(Object.keys(after)).toEqual(['userns-remap', 'default-address-pools', 'registry-mirrors', 'debug', 'max-concurrent-downloads', 'log-opts']);
    expect(after).toEqual({ 'userns-remap': 'default', 'default-address-pools': [{ base: '10.250.0.0/16', size: 24 }], 'registry-mirrors': MIRRORS, debug: true, 'max-concurrent-downloads': 3, 'log-opts': {} });
    expect(r.stderr).toContain(`registry-mirrors set to`);
    expect(r.logged).toBe('');
  });

  it('changes nothing when the mirrors are already there (trailing slashes aside): same bytes, same mtime', () => {
    const box = hookSandbox(tools);
    const content = `{"registry-mirrors": ${JSON.stringify(MIRRORS.map((m) => `${m}/`))}, "debug": false}`;
    writeFileSync(box.daemonJson, content);
    utimesSync(box.daemonJson, 1_000_000, 1_000_000);
    const r = runOn(box, undefined);
    expect(r.status).toBe(0);
    expect(r.after).toBe(content);
    expect(statSync(box.daemonJson).mtimeMs).toBe(1_000_000_000);
    expect(r.stderr).toMatch(/already .*nothing to do/);
  });

  it('keeps the mode and the owner of the file', () => {
    const box = hookSandbox(tools);
    writeFileSync(box.daemonJson, '{}');
    chmodSync(box.daemonJson, 0o640);
    if (isRoot) chownSync(box.daemonJson, 1234, 4321);
    runOn(box, undefined);
    expect(mirrorsOf(box.daemonJson)).toEqual(MIRRORS);
    const stat = statSync(box.daemonJson);
    expect(stat.mode & 0o7777).toBe(0o640);
    if (isRoot) expect([stat.uid, stat.gid]).toEqual([1234, 4321]);
  });

  it.each([
    ['an empty file', ''],
    ['white space only', ' \n\r\n'],
  ])('treats %s as {} (as fleet apply does)', (_name, content) => {
    const box = hookSandbox(tools);
    const r = runOn(box, content);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.after!)).toEqual({ 'registry-mirrors': MIRRORS });
  });

  it('creates a missing file (0644) and a missing directory', () => {
    const box = hookSandbox(tools);
    rmSync(path.dirname(box.daemonJson), { recursive: true });
    const r = runOn(box, undefined);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.after!)).toEqual({ 'registry-mirrors': MIRRORS });
    expect(statSync(box.daemonJson).mode & 0o777).toBe(0o644);
    expect(statSync(path.dirname(box.daemonJson)).mode & 0o777).toBe(0o755);
  });

  it.each([
    ['invalid JSON', '{"debug": true,, }', /not valid JSON/],
    ['a truncated file', '{"debug": tr', /not valid JSON/],
    ['an array', '[{"registry-mirrors": []}]', /not a JSON object \(the top level is an array\)/],
    ['a string', '"{}"', /not a JSON object \(the top level is a string\)/],
    ['null', 'null', /not a JSON object \(the top level is null\)/],
    ['two JSON values', '{} {}', /not valid JSON/],
    ['NaN', '{"a": NaN}', /not valid JSON|NaN/],
    ['a UTF-8 byte order mark', '\ufeff{}', /not valid JSON/],
    ['a control character in a string', '{"a": "x\u0001y"}', /not valid JSON|control characters/],
  ])('leaves %s byte-identical, logs why to stderr and syslog, exits 0', (_name, content, reason) => {
    const box = hookSandbox(tools);
    const r = runOn(box, content);
    expect(r.status).toBe(0);
    expect(r.untouched).toBe(true);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).toContain('the file is left as it was');
    expect(r.logged).toMatch(new RegExp(`^-t fleet-docker-mirrors -p daemon.warning -- cannot merge registry-mirrors into ${box.daemonJson}: `));
    expect(readFileSync(box.daemonJson, 'utf8')).toBe(content);
  });

  it('leaves a file that is not UTF-8 alone', () => {
    const box = hookSandbox(tools);
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    writeFileSync(box.daemonJson, bytes);
    const r = box.run();
    expect(r.status).toBe(0);
    expect(readFileSync(box.daemonJson).equals(bytes)).toBe(true);
    expect(r.stderr).toMatch(/not UTF-8|not valid JSON/);
  });

  it('replaces other mirrors, at the key\'s place', () => {
    const box = hookSandbox(tools);
    const r = runOn(box, '{"registry-mirrors": ["https://mirror.gcr.io"], "debug": true}');
    expect(Object.keys(JSON.parse(r.after!))).toEqual(['registry-mirrors', 'debug']);
    expect(mirrorsOf(box.daemonJson)).toEqual(MIRRORS);
  });

  it('replaces a registry-mirrors value that is not a list of strings', () => {
    const box = hookSandbox(tools);
    runOn(box, '{"registry-mirrors": "http://10.77.0.3"}');
    expect(mirrorsOf(box.daemonJson)).toEqual(MIRRORS);
  });

  it('reads a CRLF file and writes valid JSON', () => {
    const box = hookSandbox(tools);
    const r = runOn(box, '{\r\n  "debug": true\r\n}\r\n');
    expect(JSON.parse(r.after!)).toEqual({ debug: true, 'registry-mirrors': MIRRORS });
    // python3 keeps the line ends; jq writes LF.
    if (tools === 'python3') expect(r.after).toBe(`{\r\n  "debug": true,\r\n  "registry-mirrors": [\r\n    "${MIRRORS[0]}",\r\n    "${MIRRORS[1]}"\r\n  ]\r\n}\r\n`);
  });

  it('follows a symbolic link: the file it points to is edited, the link stays', () => {
    const box = hookSandbox(tools);
    const real = path.join(box.dir, 'real.json');
    writeFileSync(real, '{"debug": true}');
    symlinkSync(real, box.daemonJson);
    const r = box.run();
    expect(r.status).toBe(0);
    expect(lstatSync(box.daemonJson).isSymbolicLink()).toBe(true);
    expect(readlinkSync(box.daemonJson)).toBe(real);
    expect(JSON.parse(readFileSync(real, 'utf8'))).toEqual({ debug: true, 'registry-mirrors': MIRRORS });
  });

  it('leaves a symbolic link to a missing file alone', () => {
    const box = hookSandbox(tools);
    symlinkSync(path.join(box.dir, 'nowhere.json'), box.daemonJson);
    const r = box.run();
    expect(r.status).toBe(0);
    expect(existsSync(path.join(box.dir, 'nowhere.json'))).toBe(false);
    expect(r.stderr).toMatch(/symbolic link to a missing file/);
  });

  it('never runs what the mirror URLs hold: they are data', () => {
    const marker = '/tmp/fleet-boot-hook-injected';
    rmSync(marker, { force: true });
    const evil = [`http://m.example/'$(touch\${IFS}${marker})'`, 'http://m.example/`touch${IFS}' + marker + '`"\\'];
    const box = hookSandbox(tools, evil);
    const r = runOn(box, '{}');
    expect(r.status).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(mirrorsOf(box.daemonJson)).toEqual(evil);
  });

  it.skipIf(!isRoot || !existsSync('/usr/bin/setpriv'))('leaves the file alone when its directory is not writable (as nobody; skipped unless root)', () => {
    const box = hookSandbox(tools);
    const content = '{"debug": true}';
    writeFileSync(box.daemonJson, content);
    writeFileSync(path.join(box.dir, 'logged'), '', { mode: 0o666 });
    chmodSync(path.join(box.dir, 'logged'), 0o666);
    const r = box.run({ prefix: ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
    expect(r.status).toBe(0);
    expect(readFileSync(box.daemonJson, 'utf8')).toBe(content);
    expect(r.stderr).toMatch(/cannot create a temporary directory in .*the file is left as it was/);
    expect(r.logged).toContain('cannot create a temporary directory');
  });

  it('validates with dockerd --validate where dockerd offers it, and writes nothing it rejects', () => {
    const rejecting = hookSandbox(tools);
    rejecting.fakeDockerd('reject');
    const r = runOn(rejecting, '{"debug": true}');
    expect(r.status).toBe(0);
    expect(r.untouched).toBe(true);
    expect(r.stderr).toMatch(/dockerd --validate rejects .* with registry-mirrors merged/);
    // dockerd checked the new file in a private directory beside the target, not the target
    const validated = rejecting.dockerdCalls().split('\n').find((l) => l.startsWith('--validate'))!;
    expect(validated).toMatch(new RegExp(`^--validate --config-file ${path.dirname(rejecting.daemonJson)}/\\.fleet-docker-mirrors\\.[^/]+/daemon\\.json$`));

    const accepting = hookSandbox(tools);
    accepting.fakeDockerd('accept');
    expect(JSON.parse(runOn(accepting, '{"debug": true}').after!)).toEqual({ debug: true, 'registry-mirrors': MIRRORS });
    expect(accepting.dockerdCalls()).toContain('--validate');
  });

  it('does not ask a dockerd without --validate (Docker 20.10) to validate', () => {
    const box = hookSandbox(tools);
    box.fakeDockerd('absent');
    expect(mirrorsOf((runOn(box, '{}'), box.daemonJson))).toEqual(MIRRORS);
    expect(box.dockerdCalls()).toBe('--help\n');
  });

  it('leaves no temporary file behind', () => {
    const box = hookSandbox(tools);
    runOn(box, '{}');
    expect(spawnSync('ls', ['-A', path.dirname(box.daemonJson)], { encoding: 'utf8' }).stdout).toBe('daemon.json\n');
  });
});

describe('the boot hook, python3 and jq apart', () => {
  it('python3 keeps numbers as written and the indentation (tabs)', () => {
    const box = hookSandbox('python3');
    const r = runOn(box, '{\n\t"big": 12345678901234567890,\n\t"f": 1.0,\n\t"e": 1e400,\n\t"s": "\\u00e9"\n}\n');
    expect(r.after).toBe(`{\n\t"big": 12345678901234567890,\n\t"f": 1.0,\n\t"e": 1e400,\n\t"s": "é",\n\t"registry-mirrors": [\n\t\t"${MIRRORS[0]}",\n\t\t"${MIRRORS[1]}"\n\t]\n}\n`);
  });

  it.each([
    ['a large integer', '{"n": 12345678901234567890}', '12345678901234567890'],
    ['a fraction', '{"n": 1.0}', '1.0'],
    ['NaN', '{"n": nan}', 'nan'],
  ])('jq leaves a file with %s alone rather than alter it', (_name, content, token) => {
    const box = hookSandbox('jq');
    const r = runOn(box, content);
    expect(r.untouched).toBe(true);
    expect(r.stderr).toMatch(token === 'nan' ? /holds nan|not valid JSON/ : new RegExp(`holds ${token.replace('.', '\\.')}, which jq could alter`));
  });

  it('with neither python3 nor jq, leaves the file alone and says so', () => {
    const box = hookSandbox('none');
    const r = runOn(box, '{}');
    expect(r.status).toBe(0);
    expect(r.untouched).toBe(true);
    expect(r.stderr).toContain('neither python3 nor jq is installed');
    expect(r.logged).toContain('neither python3 nor jq is installed');
  });

  it.skipIf(!isRoot)('leaves daemon.json alone when a docker.service drop-in sets --registry-mirror (skipped unless root)', () => {
    const box = hookSandbox('python3');
    writeFileSync(box.daemonJson, '{}');
    // A private mount namespace with its own /run: the drop-in exists for this run only.
    const setup = [
      'mount --make-rprivate / && mount -t tmpfs tmpfs /run',
      'mkdir -p /run/systemd/system/docker.service.d',
      'printf "[Service]\\nExecStart=\\nExecStart=/usr/bin/dockerd -H fd:// --registry-mirror=https://other.example\\n" > /run/systemd/system/docker.service.d/10-mirror.conf',
      'printf "[Service]\\n# --registry-mirror in a comment does not count\\n" > /run/systemd/system/docker.service.d/20-comment.conf',
      `exec env PATH=${box.dir}/bin /bin/sh ${box.script}`,
    ].join(' && ');
    const r = spawnSync('unshare', ['--mount', 'sh', '-c', setup], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readFileSync(box.daemonJson, 'utf8')).toBe('{}');
    expect(r.stderr).toContain('registry mirrors are set as a dockerd flag in /run/systemd/system/docker.service.d/10-mirror.conf:');
    expect(r.stderr).not.toContain('20-comment.conf');
  });
});
