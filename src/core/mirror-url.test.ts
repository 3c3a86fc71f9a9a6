import { describe, expect, it } from 'vitest';
import { canonicalMirror, mirrorAddress, sameMirrors } from './mirror-url.js';

describe('mirrorAddress', () => {
  it.each([
    ['http://10.77.0.3', { url: 'http://10.77.0.3', scheme: 'http', host: '10.77.0.3' }],
    ['http://10.77.0.3/', { url: 'http://10.77.0.3', scheme: 'http', host: '10.77.0.3' }],
    ['https://mirror.gcr.io//', { url: 'https://mirror.gcr.io', scheme: 'https', host: 'mirror.gcr.io' }],
    ['http://cache.example:5000', { url: 'http://cache.example:5000', scheme: 'http', host: 'cache.example:5000' }],
    ['http://[fd00::5]:80', { url: 'http://[fd00::5]', scheme: 'http', host: '[fd00::5]' }],
  ])('%s', (raw, expected) => {
    expect(mirrorAddress(raw)).toEqual(expected);
  });

  it.each([
    ['10.77.0.3', /not a URL/],
    ['ftp://10.77.0.3', /scheme must be http or https/],
    ['http://u:p@10.77.0.3', /credentials/],
    ['http://10.77.0.3/v2', /a path, query or fragment/],
    ['https://harbor.example/docker_hub/', /a path, query or fragment .*dockerd before 24\.0\.8/],
    ['http://10.77.0.3/?x=1', /a path, query or fragment/],
  ])('refuses %s', (raw, error) => {
    expect(() => mirrorAddress(raw)).toThrow(error);
  });
});

describe('canonicalMirror: the one form mirrors are compared in', () => {
  it.each([
    // Trailing slashes mean nothing: dockerd reports every mirror with one.
    ['http://10.77.0.3/', 'http://10.77.0.3'],
    ['http://10.77.0.3//', 'http://10.77.0.3'],
    // Scheme and host case, and a default port, are the same mirror to dockerd and to URL parsers.
    ['HTTP://Cache.Example:80/', 'http://cache.example'],
    ['https://cache.example:443', 'https://cache.example'],
    ['http://cache.example:5000/', 'http://cache.example:5000'],
    ['http://[FD00::5]:80/', 'http://[fd00::5]'],
    // A path makes another mirror (dockerd 24.0.8+ sends requests under it): kept, without trailing slashes.
    ['https://harbor.example/docker_hub/', 'https://harbor.example/docker_hub'],
    // Anything else a host's file may hold is kept as written, only trailing slashes removed.
    ['10.77.0.3/', '10.77.0.3'],
    [' http://10.77.0.3', ' http://10.77.0.3'],
    ['ftp://Cache/', 'ftp://Cache'],
    ['', ''],
  ])('%j -> %j', (raw, canonical) => {
    expect(canonicalMirror(raw)).toBe(canonical);
  });

  it('is the form mirrorAddress names a mirror in', () => {
    for (const raw of ['http://10.77.0.3', 'HTTPS://Mirror.GCR.io:443/', 'http://[fd00::5]:8080//']) {
      const { url } = mirrorAddress(raw);
      expect(canonicalMirror(url)).toBe(url);
      expect(canonicalMirror(raw)).toBe(url);
    }
  });

  it('keeps credentials, so a mirror with them never equals one without', () => {
    expect(canonicalMirror('http://u:p@cache/')).toBe('http://u:p@cache');
    expect(sameMirrors(['http://u:p@cache'], ['http://cache'])).toBe(false);
  });
});

describe('sameMirrors', () => {
  it('compares canonical forms, in order', () => {
    expect(sameMirrors(['http://a/', 'HTTPS://B:443'], ['http://a', 'https://b/'])).toBe(true);
    expect(sameMirrors(['http://a', 'http://b'], ['http://b', 'http://a'])).toBe(false);
    expect(sameMirrors(['http://a'], ['http://a', 'http://a'])).toBe(false);
    expect(sameMirrors(['http://a/v2'], ['http://a'])).toBe(false);
    expect(sameMirrors([], [])).toBe(true);
  });
});
