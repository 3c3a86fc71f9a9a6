import { describe, expect, it } from 'vitest';
import { runSh } from '../../test/unit/sh.js';
import { checkCircleciValue, checkValue, cronCommand, shellWords, systemdCommandLine, systemdVerbatim, systemdWord, yamlString } from './escape.js';
import { parse } from 'yaml';

describe('systemd quoting', () => {
  it('leaves plain words alone and quotes the rest', () => {
    expect(systemdWord('/srv/fleet/inventory.yml')).toBe('/srv/fleet/inventory.yml');
    expect(systemdWord('/srv/my fleet')).toBe('"/srv/my fleet"');
    expect(systemdWord("it's")).toBe('"it\'s"');
  });

  it('doubles % (specifiers) everywhere, and $ only on command lines', () => {
    expect(systemdVerbatim('/srv/100% fleet')).toBe('/srv/100%% fleet');
    expect(systemdWord('/srv/%n')).toBe('"/srv/%%n"');
    expect(systemdWord('a$HOME')).toBe('"a$HOME"');
    expect(systemdWord('a$HOME', true)).toBe('"a$$HOME"');
    expect(systemdCommandLine(['/opt/$x/node', '/x y/fleet.js', 'check', '--limit', '!nomad-%i,$X'])).toBe(
      '"/opt/$x/node" "/x y/fleet.js" check --limit "!nomad-%%i,$$X"',
    );
  });
});

describe('cron quoting', () => {
  it('escapes every % so cron does not end the command there', () => {
    expect(cronCommand("printf '%s' 100%")).toBe("printf '\\%s' 100\\%");
  });

  it('quotes shell words so /bin/sh gets them back byte for byte', () => {
    const words = ['/srv/my fleet/inv.yml', "it's", '$(id)', '`id`', '*', '!x', '%s'];
    const result = runSh({ script: `printf '%s\\n' ${shellWords(words)}` });
    expect(result.stdout).toBe(words.map((w) => `${w}\n`).join(''));
  });
});

describe('YAML quoting', () => {
  it('gives back the value after a YAML parse', () => {
    for (const value of ['main', 'release/1.x', 'a: b', '# no comment', "it's", '"q"', '* star', 'yes', '1e3', '@at']) {
      expect(parse(`key: ${yamlString(value)}`)).toEqual({ key: value });
    }
  });
});

describe('value checks', () => {
  it('refuses control characters, backslashes and double quotes, naming the flag', () => {
    for (const bad of ['a\nb', 'a\\b', 'a"b', 'a\tb']) {
      expect(() => checkValue('--workdir', bad)).toThrow(/--workdir .*not supported/);
    }
    expect(() => checkValue('--workdir', '/srv/fleet ')).toThrow(/trailing spaces/);
    expect(checkValue('--workdir', "/srv/it's 100% $fleet")).toBe("/srv/it's 100% $fleet");
  });

  it('refuses CircleCI pipeline parameter syntax', () => {
    expect(() => checkCircleciValue('--branch', '<< pipeline.git.branch >>')).toThrow(/--branch .*"<<"/);
  });
});
