import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSh } from '../../test/unit/sh.js';
import { stubPath } from '../../test/unit/stubs.js';
import { containerdFactsCommand, parseContainerdFacts, parseContainerdVersion } from './containerd.js';

function gather(files: { config?: string; hosts?: string }, commands: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-containerd-'));
  mkdirSync(join(dir, 'certs.d/docker.io'), { recursive: true });
  const args = { configToml: join(dir, 'config.toml'), hostsToml: join(dir, 'certs.d/docker.io/hosts.toml') };
  if (files.config !== undefined) writeFileSync(args.configToml, files.config);
  if (files.hosts !== undefined) writeFileSync(args.hostsToml, files.hosts);
  const path = stubPath(['base64', 'tr', 'stat', 'cat', 'printf'], { pidof: 'exit 1', pgrep: 'exit 1', ...commands });
  return parseContainerdFacts(runSh(containerdFactsCommand(args), { ...process.env, PATH: path }));
}

describe('containerd facts', () => {
  it('reads the binary version, the running daemon, the unit and both files', () => {
    const facts = gather(
      { config: 'version = 2\n', hosts: 'server = "https://registry-1.docker.io"\n' },
      {
        containerd: '[ "$1" = --version ] && echo "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3"',
        pidof: '[ "$1 $2" = "-s containerd" ] && echo 77',
        systemctl: '[ "$1 $2" = "is-active containerd" ] && echo active',
      },
    );
    expect(facts).toEqual({
      installed: true, version: '1.6.20~ds1', pid: 77, hasSystemctl: true, unitState: 'active',
      configToml: expect.objectContaining({ exists: true, text: 'version = 2\n' }),
      hostsToml: expect.objectContaining({ exists: true, text: 'server = "https://registry-1.docker.io"\n' }),
    });
  });

  it('says what is missing: no binary, no daemon, no files', () => {
    expect(gather({}, {})).toEqual({ installed: false, hasSystemctl: false, configToml: { exists: false }, hostsToml: { exists: false } });
  });

  it('parses containerd --version lines', () => {
    expect(parseContainerdVersion('containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da')).toBe('1.7.27');
    expect(parseContainerdVersion('containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7')).toBe('2.1.4');
    expect(parseContainerdVersion('garbage')).toBeUndefined();
  });
});
