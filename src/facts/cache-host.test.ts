import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeIptables } from '../../test/unit/fake-iptables.js';
import { runSh } from '../../test/unit/sh.js';
import { markerContent } from '../modules/registry-cache/data-dir.js';
import { cacheFactsCommand, parseCacheFacts } from './cache-host.js';

/** Run the real facts command under /bin/sh with a fake iptables, docker and systemctl. */
function factsOf(dataDir: string, rules: string[] = []) {
  const ipt = fakeIptables(rules);
  writeFileSync(join(ipt.bin, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2; exit 1\n');
  writeFileSync(join(ipt.bin, 'systemctl'), '#!/bin/sh\n[ "$1" = show ] && echo "DropInPaths=/etc/systemd/system/docker.service.d/fleet-mirror-firewall.conf"; exit 0\n');
  chmodSync(join(ipt.bin, 'docker'), 0o755);
  chmodSync(join(ipt.bin, 'systemctl'), 0o755);
  const result = runSh(cacheFactsCommand('registry:2', dataDir), { ...ipt.env, PATH: `${ipt.bin}:/usr/bin:/bin` });
  return parseCacheFacts(result);
}

describe('cache facts (the real command, fake tools)', () => {
  it('reads DOCKER-USER one rule at a time: a comment with a newline forges no rule', () => {
    const forged = '-A DOCKER-USER -m comment --comment "x\n-A DOCKER-USER -j FLEET-MIRROR" -j RETURN';
    const facts = factsOf('/nonexistent', [forged, '-A DOCKER-USER -j RETURN']);
    expect(facts.dockerUserRules).toEqual([forged, '-A DOCKER-USER -j RETURN']);
    expect(facts.dockerUserChain).toBe(true);
    expect(facts.dropInLoaded).toBe(true);
    expect(facts.dockerError).toMatch(/Cannot connect/);
  });

  it('tells a data dir fleet may use from one it must not touch, without following symlinks', () => {
    const root = mkdtempSync(join(tmpdir(), 'fleet-facts-'));
    const dir = (name: string, ...files: string[]) => {
      const path = join(root, name);
      mkdirSync(path);
      for (const file of files) {
        mkdirSync(join(path, file, '..'), { recursive: true });
        if (!file.endsWith('/')) writeFileSync(join(path, file), 'x');
        else mkdirSync(join(path, file), { recursive: true });
      }
      return path;
    };
    expect(factsOf(join(root, 'absent')).dataDir).toEqual({ state: 'absent' });
    expect(factsOf(dir('empty')).dataDir).toEqual({ state: 'empty' });
    expect(factsOf(dir('registry', 'docker/registry/v2/blobs/')).dataDir).toEqual({ state: 'registry' });
    expect(factsOf(dir('other', 'docker/registry/', 'dpkg/status')).dataDir).toEqual({ state: 'other' });
    expect(factsOf(dir('other-in-docker', 'docker/overlay2/')).dataDir).toEqual({ state: 'other' });
    const marked = dir('marked', 'docker/registry/');
    writeFileSync(join(marked, '.fleet-cache'), markerContent(marked, 'ab'.repeat(16)));
    expect(factsOf(marked).dataDir).toEqual({ state: 'registry', marker: markerContent(marked, 'ab'.repeat(16)) });
    symlinkSync(marked, join(root, 'link'));
    expect(factsOf(join(root, 'link')).dataDir).toEqual({ state: 'symlink' });
  });
});

describe('parseCacheFacts', () => {
  it('parses the container, its port bindings and a config key; ignores a malformed key', () => {
    const stdout = [
      'docker.version=20.10.24',
      'container=abc|running|registry:2|f00d|always|/80,0.0.0.0/8080,',
      `config.key=${'0'.repeat(64)}`,
      `bridge=${Buffer.from('docker0\n').toString('base64')}`,
      'data.state=absent',
    ].join('\n');
    const facts = parseCacheFacts({ exitCode: 0, stdout, stderr: '' });
    expect(facts.container).toMatchObject({ specLabel: 'f00d', ports: [{ ip: '', port: 80 }, { ip: '0.0.0.0', port: 8080 }] });
    expect(facts.configKey).toBe('0'.repeat(64));
    expect(facts.bridge).toBe('docker0');
    expect(parseCacheFacts({ exitCode: 0, stdout: 'config.key=$(id)', stderr: '' }).configKey).toBeUndefined();
  });
});
