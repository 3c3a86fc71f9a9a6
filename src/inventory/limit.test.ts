import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { parseInventory } from './load.js';
import { globToRegExp, selectHosts, splitPattern } from './limit.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/inventory');

const inventory = parseInventory(
  [
    'all:',
    '  children:',
    '    cache:',
    '      hosts: { cache-1: }',
    '    clients:',
    '      children:',
    '        east:',
    '          hosts: { nomad-1: , nomad-2: }',
    '        west:',
    '          hosts: { nomad-3: , web-1: , "2001:db8::5": }',
    '',
  ].join('\n'),
  'hosts.yml',
  {},
);

const names = (pattern: string | undefined): string[] => selectHosts(inventory, pattern, { cwd: FIXTURES }).map((h) => h.name);
const usageError = (pattern: string): string => {
  try {
    selectHosts(inventory, pattern, { cwd: FIXTURES });
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected --limit ${pattern} to fail`);
};

const ALL = ['cache-1', 'nomad-1', 'nomad-2', 'nomad-3', 'web-1', '2001:db8::5'];

describe('selectHosts', () => {
  it('selects every host without a pattern, and for all or *', () => {
    expect(names(undefined)).toEqual(ALL);
    expect(names('all')).toEqual(ALL);
    expect(names('*')).toEqual(ALL);
  });

  it('selects hosts and groups (through children), in inventory order', () => {
    expect(names('nomad-2')).toEqual(['nomad-2']);
    expect(names('east')).toEqual(['nomad-1', 'nomad-2']);
    expect(names('west,cache')).toEqual(['cache-1', 'nomad-3', 'web-1', '2001:db8::5']);
    expect(names(' web-1 , nomad-1 ,')).toEqual(['nomad-1', 'web-1']);
    expect(names('clients')).toEqual(ALL.slice(1));
  });

  it('accepts : as a separator, except inside an IPv6 address', () => {
    expect(names('east:cache')).toEqual(['cache-1', 'nomad-1', 'nomad-2']);
    expect(names('2001:db8::5')).toEqual(['2001:db8::5']);
    expect(names('2001:db8::5,cache-1')).toEqual(['cache-1', '2001:db8::5']);
  });

  it('matches globs and regexes against host and group names', () => {
    expect(names('nomad-*')).toEqual(['nomad-1', 'nomad-2', 'nomad-3']);
    expect(names('nomad-?')).toEqual(['nomad-1', 'nomad-2', 'nomad-3']);
    expect(names('nomad-[13]')).toEqual(['nomad-1', 'nomad-3']);
    expect(names('nomad-[!13]')).toEqual(['nomad-2']);
    expect(names('ea*')).toEqual(['nomad-1', 'nomad-2']);
    expect(names('~(web|nomad)-[12]')).toEqual(['nomad-1', 'nomad-2', 'web-1']);
  });

  it('applies plain items, then & intersections, then ! exclusions', () => {
    expect(names('clients,!east')).toEqual(['nomad-3', 'web-1', '2001:db8::5']);
    expect(names('!east,clients')).toEqual(['nomad-3', 'web-1', '2001:db8::5']);
    expect(names('!clients')).toEqual(['cache-1']);
    expect(names('nomad-*,&west')).toEqual(['nomad-3']);
    expect(names('&west,nomad-*,!nomad-3,web-1')).toEqual(['web-1']);
  });

  it('reads @FILE relative to cwd, one pattern per line with # comments', () => {
    // limit-hosts.txt: nomad-1, nomad-3, web-*
    expect(names('@limit-hosts.txt')).toEqual(['nomad-1', 'nomad-3', 'web-1']);
    expect(names('clients,!@limit-hosts.txt')).toEqual(['nomad-2', '2001:db8::5']);
  });

  it('fails for a missing @FILE', () => {
    expect(usageError('@no-such-file.txt')).toMatch(/^--limit @no-such-file.txt: cannot read the file: .*ENOENT/);
  });

  it('names the file and line of a pattern from @FILE that matches nothing', () => {
    // limit-unknown.txt: nomad-1, then nomad-9 on line 3
    expect(usageError('@limit-unknown.txt')).toBe('--limit: "nomad-9" (from limit-unknown.txt:3) matches no host or group in hosts.yml');
    expect(usageError('clients,!@limit-unknown.txt')).toBe('--limit: "nomad-9" (from limit-unknown.txt:3) matches no host or group in hosts.yml');
  });

  it('fails naming every item that matches nothing', () => {
    expect(usageError('nomad-9')).toBe('--limit: "nomad-9" matches no host or group in hosts.yml');
    expect(usageError('east,typo,!nope*')).toBe('--limit: "typo", "nope*" match no host or group in hosts.yml');
  });

  it('fails when nothing is left, or the pattern is empty, or a regex is invalid', () => {
    expect(usageError('east,&west')).toBe('no hosts matched --limit "east,&west"');
    expect(usageError(' , ')).toMatch(/contains no host patterns/);
    expect(usageError('~(')).toMatch(/invalid regular expression/);
  });
});

describe('splitPattern and globToRegExp', () => {
  it('splits on commas first, then colons outside brackets', () => {
    expect(splitPattern('a,b:c')).toEqual(['a', 'b:c']);
    expect(splitPattern('a:b[1:2]:c')).toEqual(['a', 'b[1:2]', 'c']);
    expect(splitPattern('!fe80::1')).toEqual(['!fe80::1']);
  });

  it('treats everything but * ? [...] literally', () => {
    expect(globToRegExp('web.1').test('webx1')).toBe(false);
    expect(globToRegExp('web.1').test('web.1')).toBe(true);
    expect(globToRegExp('a+(b)').test('a+(b)')).toBe(true);
    expect(globToRegExp('h[a-c]*').test('hbz')).toBe(true);
    expect(globToRegExp('h[a-c]*').test('hdz')).toBe(false);
    expect(globToRegExp('x[').test('x[')).toBe(true);
  });
});
