import { describe, expect, it } from 'vitest';
import { hubPath, hubRepository } from './hub-image.js';

describe('Docker Hub names as a mirror knows them', () => {
  it.each([
    ['busybox', 'library/busybox', 'library/busybox:latest'],
    ['busybox:1.36', 'library/busybox', 'library/busybox:1.36'],
    ['docker.io/library/busybox', 'library/busybox', 'library/busybox:latest'],
    ['index.docker.io/circleci/docker-gc:2', 'circleci/docker-gc', 'circleci/docker-gc:2'],
    ['foo/bar@sha256:abc', 'foo/bar', 'foo/bar@sha256:abc'],
  ])('%s', (image, repository, path) => {
    expect(hubRepository(image)).toBe(repository);
    expect(hubPath(image)).toBe(path);
  });
});
