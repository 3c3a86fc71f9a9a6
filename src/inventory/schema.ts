// The variables an inventory may set, and how each is checked and normalised. Unknown keys are
// rejected: an Ansible variable fleet does not implement (ansible_password, ansible_ssh_common_args,
// ...) would otherwise be silently ignored and fleet would connect differently than expected.
import { Secret } from '../core/command.js';
import { RUNTIMES, type Runtime } from '../core/runtime.js';
import {
  type JumpSpec,
  type Parsed,
  parseAddress,
  parseBool,
  parseChoice,
  parseCidr,
  parseHttpUrl,
  parseJumpHost,
  parseLocalPath,
  parseMirror,
  parsePort,
  parseRemotePath,
  parseString,
  parseWord,
  controlCharacter,
  describe,
} from './values.js';

export interface VarContext {
  /** Directory of the inventory file, for relative local paths. */
  readonly baseDir: string;
  /** Home directory for `~` expansion. */
  readonly home: string;
}

export interface VarProblem {
  readonly message: string;
  /** Index of the offending list item, when the value is a list. */
  readonly index?: number;
}

export type VarResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problems: readonly VarProblem[] };

export interface VarSpec {
  readonly validate: (raw: unknown, ctx: VarContext) => VarResult;
  /** Never echo the value in messages. */
  readonly secret?: boolean;
}

/**
 * Normalised variable values as they appear in `Host.vars` (after validation): numbers are
 * numbers, paths absolute, mirror_url always a list, credentials wrapped in Secret.
 */
export interface FleetVars {
  ansible_host?: string;
  ansible_port?: number;
  ansible_user?: string;
  ansible_ssh_private_key_file?: string;
  ansible_become?: boolean;
  fleet_jump_host?: JumpSpec;
  mirror_url?: string[];
  mirror_fallbacks?: string[];
  container_runtime?: Runtime;
  docker_daemon_json?: string;
  mirror_boot_hook?: boolean;
  mirror_port?: number;
  registry_proxy_remoteurl?: string;
  registry_proxy_username?: Secret;
  registry_proxy_password?: Secret;
  registry_image?: string;
  registry_data_dir?: string;
  mirror_allow_cidrs?: string[];
}

export const DEFAULTS = {
  port: 22,
  daemonJsonPath: '/etc/docker/daemon.json',
  mirrorPort: 80,
  remoteUrl: 'https://registry-1.docker.io',
  image: 'registry:2.8.3',
  dataDir: '/var/lib/fleet/registry',
} as const;

function one<T>(parse: (raw: unknown, ctx: VarContext) => Parsed<T>): VarSpec['validate'] {
  return (raw, ctx) => {
    const r = parse(raw, ctx);
    return r.ok ? r : { ok: false, problems: [{ message: r.message }] };
  };
}

/** A list of values; `emptyMeans` says what an empty list does where one is allowed. */
function list<T>(parse: (raw: unknown) => Parsed<T>, what: string, emptyMeans?: string): VarSpec['validate'] {
  return (raw) => {
    if (!Array.isArray(raw)) {
      const hint = emptyMeans === undefined ? '' : ` (an empty list [] ${emptyMeans})`;
      return { ok: false, problems: [{ message: `must be a list of ${what}, got ${describe(raw)}${hint}` }] };
    }
    if (raw.length === 0 && emptyMeans === undefined) return { ok: false, problems: [{ message: `must not be an empty list` }] };
    const values: T[] = [];
    const problems: VarProblem[] = [];
    raw.forEach((item, index) => {
      const r = parse(item);
      if (r.ok) values.push(r.value);
      else problems.push({ message: r.message, index });
    });
    return problems.length ? { ok: false, problems } : { ok: true, value: values };
  };
}

/** Accept only one value of an Ansible setting that fleet does not otherwise implement. */
function only(expected: string, why: string): VarSpec['validate'] {
  return (raw) =>
    raw === expected
      ? { ok: true, value: raw }
      : { ok: false, problems: [{ message: `fleet supports only ${JSON.stringify(expected)} here (${why}), got ${describe(raw)}` }] };
}

const secret = (raw: unknown): Parsed<Secret> => {
  if (typeof raw !== 'string') {
    const hint = typeof raw === 'number' ? ' (quote it: YAML reads it as a number)' : '';
    return { ok: false, message: `must be a string${hint}` };
  }
  if (raw === '') return { ok: false, message: 'must not be empty' };
  // A newline would add lines to the env file the credentials are written to; nothing needs one.
  const control = controlCharacter(raw);
  if (control) return { ok: false, message: `must not contain control characters (found ${control})` };
  return { ok: true, value: new Secret(raw) };
};

const mirrorUrl: VarSpec['validate'] = (raw, ctx) => {
  if (typeof raw === 'string') {
    const r = parseMirror(raw);
    return r.ok ? { ok: true, value: [r.value] } : { ok: false, problems: [{ message: r.message }] };
  }
  if (!Array.isArray(raw)) {
    return { ok: false, problems: [{ message: `must be a URL or a list of URLs, got ${describe(raw)}` }] };
  }
  const r = list(parseMirror, 'URLs')(raw, ctx);
  if (!r.ok) {
    const problems = raw.length === 0
      ? [{ message: 'must not be an empty list (leave mirror_url out to use the cache hosts)' }]
      : r.problems;
    return { ok: false, problems };
  }
  return r;
};

export const KNOWN_VARS: Readonly<Record<string, VarSpec>> = {
  // connection
  ansible_host: { validate: one(parseAddress) },
  ansible_port: { validate: one(parsePort) },
  ansible_user: { validate: one(parseWord) },
  ansible_ssh_private_key_file: { validate: one((raw, ctx) => parseLocalPath(raw, ctx.baseDir, ctx.home)) },
  ansible_become: { validate: one(parseBool) },
  fleet_jump_host: { validate: one(parseJumpHost) },
  // Ansible settings that existing inventories commonly carry. fleet accepts them only where its
  // own behaviour is what the setting asks for; the interpreter is irrelevant (fleet runs sh).
  ansible_connection: { validate: only('ssh', 'fleet always connects over SSH') },
  ansible_become_method: { validate: only('sudo', 'fleet becomes root through sudo -n') },
  ansible_become_user: { validate: only('root', 'fleet becomes root') },
  ansible_python_interpreter: { validate: one(parseString) },
  // clients
  mirror_url: { validate: mirrorUrl },
  docker_daemon_json: { validate: one(parseRemotePath) },
  mirror_boot_hook: { validate: one(parseBool) },
  mirror_fallbacks: { validate: list(parseMirror, 'URLs', 'means no fallback') },
  container_runtime: { validate: one(parseChoice(RUNTIMES)) },
  // cache
  mirror_port: { validate: one(parsePort) },
  registry_proxy_remoteurl: { validate: one(parseHttpUrl) },
  registry_proxy_username: { validate: one(secret), secret: true },
  registry_proxy_password: { validate: one(secret), secret: true },
  registry_image: { validate: one(parseWord) },
  registry_data_dir: { validate: one(parseRemotePath) },
  mirror_allow_cidrs: { validate: list(parseCidr, 'IP addresses or CIDRs') },
};

/** Better names for common Ansible variables fleet does not support. */
const HINTS: Readonly<Record<string, string>> = {
  ansible_ssh_host: 'use ansible_host',
  ansible_ssh_port: 'use ansible_port',
  ansible_ssh_user: 'use ansible_user',
  ansible_private_key_file: 'use ansible_ssh_private_key_file',
  ansible_ssh_common_args: 'use fleet_jump_host for a bastion',
  ansible_ssh_extra_args: 'use fleet_jump_host for a bastion',
  ansible_password: 'fleet authenticates with keys or the SSH agent only',
  ansible_ssh_pass: 'fleet authenticates with keys or the SSH agent only',
  ansible_become_password: 'fleet needs passwordless sudo (sudo -n)',
  ansible_become_pass: 'fleet needs passwordless sudo (sudo -n)',
  ansible_sudo_pass: 'fleet needs passwordless sudo (sudo -n)',
};

export function isKnownVar(key: string): boolean {
  return Object.hasOwn(KNOWN_VARS, key);
}

export function unknownVarMessage(key: string): string {
  const known = Object.keys(KNOWN_VARS).join(', ');
  if (key.startsWith('ansible_')) {
    const hint = HINTS[key];
    return `${key} is an Ansible variable that fleet does not support${hint ? ` (${hint})` : ''}; ` +
      `ignoring it could change how hosts are reached, so remove it. Known variables: ${known}`;
  }
  return `unknown variable ${key}. Known variables: ${known}`;
}
