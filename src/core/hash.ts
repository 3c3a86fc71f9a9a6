import { createHash } from 'node:crypto';
import { Secret } from './command.js';

/** A secret may be hashed: the only hashes of secrets fleet makes are keyed (registry-config.ts). */
export function sha256(text: string | Secret): string {
  return createHash('sha256').update(text instanceof Secret ? text.reveal() : text, 'utf8').digest('hex');
}
