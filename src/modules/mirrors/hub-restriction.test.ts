import { describe, expect, it } from 'vitest';
import { hubRestriction } from './hub-restriction.js';

// Error texts as users and Docker's documentation show them:
// - RAM: Docker's documentation of RAM with a registry mirror (docker/docs pull request 22474).
// - IAM: a project working around its organisation's Image Access Management (mlrun/mlrun pull request 5690).
const RAM_DOCS = 'Error response from daemon: Access to docker.io has been restricted by your administrators.';
const RAM_RESOLVED = 'Error response from daemon: access to registry-1.docker.io has been restricted by your administrator';
const IAM_HUB = 'Error response from daemon: Head "https://registry-1.docker.io/v2/mysql/mysql-server/manifests/8.0": denied: image access restricted: mysql/mysql-server blocked for organization acme';

describe('hubRestriction: a pull refused by Docker access management', () => {
  it('recognises Registry Access Management and gives the workaround through the mirror', () => {
    const r = hubRestriction(`Using default tag: latest\n${RAM_DOCS}\n`, 'busybox', ['http://10.77.1.2', 'http://10.77.1.1']);
    expect(r?.kind).toBe('registry-access-management');
    expect(r?.explanation).toContain("Docker Desktop's Registry Access Management blocks docker.io on this host");
    expect(r?.explanation).toContain('even when the mirror holds the image');
    expect(r?.explanation).toContain('docker pull 10.77.1.2/library/busybox:latest && docker tag 10.77.1.2/library/busybox:latest busybox');
    expect(r?.explanation).toContain("insecure-registries");
  });

  it('recognises the registry named as the daemon resolved it, in any case', () => {
    expect(hubRestriction(RAM_RESOLVED, 'busybox', ['https://cache.example'])).toMatchObject({
      kind: 'registry-access-management',
      explanation: expect.stringMatching(/blocks registry-1\.docker\.io .*docker pull cache\.example\/library\/busybox:latest/),
    });
    expect(hubRestriction(RAM_RESOLVED, 'busybox', ['https://cache.example'])?.explanation).not.toContain('insecure-registries');
  });

  it("recognises Docker Hub's Image Access Management", () => {
    const r = hubRestriction(IAM_HUB, 'mysql/mysql-server:8.0', ['http://10.0.0.5']);
    expect(r?.kind).toBe('image-access-management');
    expect(r?.explanation).toMatch(/blocks mysql\/mysql-server for this host's organisation/);
    expect(r?.explanation).toContain('docker pull 10.0.0.5/mysql/mysql-server:8.0 && docker tag 10.0.0.5/mysql/mysql-server:8.0 mysql/mysql-server:8.0');
  });

  it.each([
    "Error response from daemon: pull access denied for utils, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
    'toomanyrequests: You have reached your pull rate limit.',
  ])('leaves other failures alone: %s', (text) => {
    expect(hubRestriction(text, 'busybox', ['http://10.0.0.5'])).toBeUndefined();
  });
});
