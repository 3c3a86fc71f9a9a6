import { createRequire } from 'node:module';
import type { WriteFileChange } from '../core/change.js';

// Loaded on first use (only --diff needs it): ~20 ms less start-up for every other run.
const require = createRequire(import.meta.url);

/** Unified diff of a file change; secret-bearing files are never shown. */
export function fileDiff(change: WriteFileChange): string {
  if (typeof change.content !== 'string') return `--- ${change.path}\n+++ ${change.path}\n(content hidden: holds secrets) ***\n`;
  const before = change.before ?? '';
  const { createTwoFilesPatch } = require('diff') as typeof import('diff');
  return createTwoFilesPatch(change.before === undefined ? '/dev/null' : change.path, change.path, before, change.content, '', '', { context: 3 })
    .split('\n')
    .filter((line) => !line.startsWith('====') && !line.startsWith('Index: '))
    .join('\n');
}
