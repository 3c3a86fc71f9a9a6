import { describe, expect, it } from 'vitest';
import { runSh } from '../../test/unit/sh.js';
import { combinedFactsCommand, factsPart } from './combined.js';

describe('combined facts', () => {
  it('runs each part in its own subshell and gives each its own stdout and exit status', () => {
    const command = combinedFactsCommand({
      one: { script: 'echo a=1\necho "b=two words"\nexit 0', label: 'read one' },
      two: { script: 'X=5\necho c=$X\ncase x in x) echo d=4 ;; esac\nexit 3', label: 'read two' },
    });
    const result = runSh(command);
    expect(result.exitCode).toBe(0);
    expect(factsPart(result, 'one')).toMatchObject({ exitCode: 0, stdout: 'a=1\nb=two words\n' });
    expect(factsPart(result, 'two')).toMatchObject({ exitCode: 3, stdout: 'c=5\nd=4\n' });
    expect(command.label).toBe('read one + read two');
  });

  it('a part whose output is missing (the command was cut short) has no exit status', () => {
    expect(factsPart({ exitCode: 0, stdout: 'one|a=1\n', stderr: '' }, 'one').exitCode).toBeNull();
  });
});
