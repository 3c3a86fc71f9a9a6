// Host and group names end up in --limit patterns, messages and the terminal, so they may not
// contain pattern syntax or control characters, whatever format they were read from.
import { controlCharacter, parseAddress, visible } from './values.js';

/** Why `name` cannot be used, or undefined when it can. */
export function nameProblem(kind: 'host' | 'group', name: string): string | undefined {
  if (name.trim() === '') return `${kind} name must not be empty`;
  if (/[\s,]/.test(name)) return `${kind} name ${JSON.stringify(name)} must not contain whitespace or commas`;
  const control = controlCharacter(name);
  if (control) return `${kind} name ${visible(name)} must not contain control characters (found ${control})`;
  if (/^[!&~@]/.test(name)) return `${kind} name ${name} must not start with ${name[0]}`;
  if (/[[\]]/.test(name)) return `${kind} name ${name}: host ranges like [01:10] are not supported, list each name`;
  if (/[*?]/.test(name)) return `${kind} name ${name} must not contain * or ?`;
  if (name.includes(':') && !(kind === 'host' && parseAddress(name).ok)) {
    return kind === 'host'
      ? `host name ${name}: host:port is not supported here, set ansible_port`
      : `group name ${name} must not contain :`;
  }
  return undefined;
}
