import { describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { configPathEdit, hasConfigPath } from './config-toml.js';

const CERTS = '/etc/containerd/certs.d';
const edit = (text: string | undefined, major = 1) => configPathEdit(text, CERTS, major, '/etc/containerd/config.toml');

// Debian 12's /etc/containerd/config.toml (containerd 1.6), comments kept.
const DEBIAN = `# Use config version 2 to enable new configuration fields.
# Config file is parsed as version 1 by default.
version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    # sandbox_image = "registry.k8s.io/pause:3.6"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
`;

describe('configPathEdit', () => {
  it('appends the CRI registry table to a config without one, keeping every other byte', () => {
    const result = edit(DEBIAN);
    expect(result).toEqual({
      kind: 'edit',
      text: `${DEBIAN}\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n`,
      reason: 'set config_path "/etc/containerd/certs.d" under [plugins."io.containerd.grpc.v1.cri".registry]',
    });
  });

  it('inserts one line under an existing registry header, indented like its keys, comments kept', () => {
    const text = 'version = 2\r\n[plugins]\r\n  [ plugins . "io.containerd.grpc.v1.cri" . \'registry\' ] # mine\r\n    # a comment\r\n    [plugins."io.containerd.grpc.v1.cri".registry.auths]\r\n';
    const result = edit(text);
    expect(result).toMatchObject({ kind: 'edit' });
    const lines = (result as { text: string }).text.split('\r\n');
    expect(lines[3]).toBe('    config_path = "/etc/containerd/certs.d"');
    expect((result as { text: string }).text.replace('    config_path = "/etc/containerd/certs.d"\r\n', '')).toBe(text);
  });

  it('uses the indentation of the keys below the header', () => {
    const text = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n\tsomething = 1\n';
    expect(edit(text)).toMatchObject({ kind: 'edit', text: 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n\tconfig_path = "/etc/containerd/certs.d"\n\tsomething = 1\n' });
  });

  it('creates a config for the running containerd: version 2 for 1.x, version 3 for 2.x', () => {
    expect(edit(undefined, 1)).toMatchObject({ kind: 'edit', text: 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n' });
    const v3 = edit(undefined, 2) as { text: string };
    expect(parse(v3.text)).toEqual({ version: 3, plugins: { 'io.containerd.cri.v1.images': { registry: { config_path: CERTS } } } });
  });

  it('edits a version 3 config in its own table', () => {
    const result = edit('version = 3\n') as { text: string };
    expect(parse(result.text)).toEqual({ version: 3, plugins: { 'io.containerd.cri.v1.images': { registry: { config_path: CERTS } } } });
  });

  it('is set when config_path names the directory, alone or in a list', () => {
    expect(edit('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/etc/containerd/certs.d"\n')).toEqual({ kind: 'set' });
    expect(edit('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/etc/docker/certs.d:/etc/containerd/certs.d"\n')).toEqual({ kind: 'set' });
    expect(hasConfigPath('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/etc/containerd/certs.d"\n', CERTS)).toBe(true);
    expect(hasConfigPath(DEBIAN, CERTS)).toBe(false);
    expect(hasConfigPath(undefined, CERTS)).toBe(false);
  });

  it.each([
    ['invalid TOML', 'version = 2\n[plugins\n', /is not valid TOML/],
    ['a version 1 config', '[plugins.cri]\n', /has config version 1 \(no version key\); fleet edits versions 2 and 3 only/],
    ['another config_path', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/srv/certs"\n', /has config_path "\/srv\/certs"; fleet's hosts.toml under \/etc\/containerd\/certs.d would not be read/],
    ['legacy registry.mirrors', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\nendpoint = ["http://m"]\n', /sets registry.mirrors .* containerd refuses it together with config_path/],
    ['a registry table made of dotted keys', 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nregistry.auths = {}\n', /without a header of its own/],
    ['a CRI plugin given as an inline table', 'version = 2\n[plugins]\n"io.containerd.grpc.v1.cri" = { sandbox_image = "p" }\n', /could not be edited safely/],
  ])('refuses %s', (_, text, reason) => {
    expect(edit(text)).toEqual({ kind: 'refuse', reason: expect.stringMatching(reason) });
  });
});
