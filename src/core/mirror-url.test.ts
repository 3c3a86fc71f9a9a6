import { describe, expect, it } from 'vitest';
import { mirrorAddress } from './mirror-url.js';

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
    ['http://10.77.0.3/?x=1', /a path, query or fragment/],
  ])('refuses %s', (raw, error) => {
    expect(() => mirrorAddress(raw)).toThrow(error);
  });
});
