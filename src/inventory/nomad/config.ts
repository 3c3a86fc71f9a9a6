// The configuration of a Nomad source: a YAML file whose first key is `plugin: nomad`, as an
// Ansible inventory plugin's file. Read with positions (yaml-doc.ts); unset keys fall back to
// the variables the Nomad CLI reads (NOMAD_ADDR, NOMAD_TOKEN, NOMAD_CACERT, NOMAD_CLIENT_CERT,
// NOMAD_CLIENT_KEY, NOMAD_TLS_SERVER_NAME). The token is a Secret from here on.
import os from 'node:os';
import path from 'node:path';
import type { Node } from 'yaml';
import { isMap } from 'yaml';
import { Secret } from '../../core/command.js';
import type { FieldProblem } from '../../core/errors.js';
import { expandEnv } from '../env.js';
import { nameProblem } from '../names.js';
import { type Origin, type RawVar, joinPath, problemAt } from '../raw.js';
import { CLIENTS_GROUP } from '../rules.js';
import { type Parsed, controlCharacter, parseBool, parseHttpUrl, parseInteger, parseLocalPath, parseString, parseWord, visible } from '../values.js';
import type { YamlDoc } from '../yaml-doc.js';

export interface NomadConfig {
  readonly file: string;
  /** The API's base URL, e.g. https://nomad.example.internal:4646. */
  readonly address: string;
  readonly token?: Secret;
  readonly caCert?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly tlsServerName?: string;
  readonly region?: string;
  readonly nodeClass?: string;
  readonly nodePool?: string;
  readonly datacenter?: string;
  /** The group the nodes join. */
  readonly group: string;
  readonly groupAt: Origin;
  /** Vars every listed host gets (as its own vars). */
  readonly vars: readonly RawVar[];
  readonly includeDraining: boolean;
  readonly includeIneligible: boolean;
  readonly timeoutMs: number;
}

export const DEFAULT_NOMAD_ADDR = 'http://127.0.0.1:4646';
const DEFAULT_TIMEOUT_S = 30;

/** Config keys, each with the environment variable it falls back to (as the Nomad CLI). */
const KEYS: Readonly<Record<string, string | null>> = {
  plugin: null,
  address: 'NOMAD_ADDR',
  token: 'NOMAD_TOKEN',
  ca_cert: 'NOMAD_CACERT',
  client_cert: 'NOMAD_CLIENT_CERT',
  client_key: 'NOMAD_CLIENT_KEY',
  tls_server_name: 'NOMAD_TLS_SERVER_NAME',
  region: 'NOMAD_REGION',
  node_class: null,
  node_pool: null,
  datacenter: null,
  group: null,
  vars: null,
  include_draining: null,
  include_ineligible: null,
  timeout: null,
};

/** The top-level mapping's first key is `plugin`: an inventory plugin's configuration. */
export function isPluginConfig(doc: YamlDoc): boolean {
  const root = doc.ok ? doc.doc.contents : null;
  if (!root || !isMap(root)) return false;
  const first = root.items[0]?.key as { value?: unknown } | undefined;
  return first?.value === 'plugin';
}

/** Read a plugin configuration; problems (with file:line) go to `problems`. */
export function readNomadConfig(doc: YamlDoc, env: NodeJS.ProcessEnv, problems: FieldProblem[]): NomadConfig | undefined {
  const root = doc.doc.contents as Node;
  if (!isMap(root)) return undefined;
  const given = new Map<string, { value: unknown; at: Origin; node: Node | null }>();
  const before = problems.length;
  const unknownKeys: FieldProblem[] = [];
  let varsNode: Node | null = null;
  for (const entry of doc.entries(root, '')) {
    const at = doc.at(entry.value ?? entry.keyNode, entry.key);
    if (!Object.hasOwn(KEYS, entry.key)) {
      unknownKeys.push(problemAt(doc.at(entry.keyNode, entry.key), `unknown key ${entry.key} in a Nomad source. Known keys: ${Object.keys(KEYS).join(', ')}`));
      continue;
    }
    if (entry.key === 'vars') {
      varsNode = entry.value;
      continue;
    }
    const { value, problems: valueProblems } = doc.value(entry.value, entry.key, entry.keyNode);
    problems.push(...valueProblems);
    let plain = value.value;
    if (typeof plain === 'string') {
      const expanded = expandEnv(plain, env);
      for (const p of expanded.problems) problems.push(problemAt(at, p.message, p.unsetVariable));
      plain = expanded.value;
    }
    given.set(entry.key, { value: plain, at, node: entry.value });
  }
  problems.push(...doc.problems.splice(0));

  const plugin = given.get('plugin');
  if (plugin?.value !== 'nomad') {
    problems.push(problemAt(plugin?.at ?? { file: doc.file, path: 'plugin' },
      `inventory plugin ${visibleValue(plugin?.value)} is not one fleet runs (it runs nomad). For another Ansible plugin, give fleet what \`ansible-inventory -i ${path.basename(doc.file)} --list\` prints, saved as a .json file`));
    return undefined;
  }
  problems.push(...unknownKeys);

  const baseDir = path.dirname(path.resolve(doc.file));
  const setting = <T>(key: string, parse: (raw: unknown) => Parsed<T>): T | undefined => {
    const fromFile = given.get(key);
    const envName = KEYS[key];
    const raw = fromFile ? fromFile.value : envName ? env[envName] : undefined;
    if (raw === undefined || raw === null || raw === '') return undefined;
    const r = parse(raw);
    if (r.ok) return r.value;
    const at = fromFile?.at ?? { file: doc.file, path: key };
    problems.push(problemAt(at, fromFile || !envName ? r.message : `${envName} (from the environment) ${r.message}`));
    return undefined;
  };
  const localPath = (raw: unknown) => parseLocalPath(raw, baseDir, os.homedir());
  const secret = (raw: unknown): Parsed<Secret> => {
    if (typeof raw !== 'string') return { ok: false, message: 'must be a string' };
    const control = controlCharacter(raw);
    return control ? { ok: false, message: `must not contain control characters (found ${control})` } : { ok: true, value: new Secret(raw) };
  };

  const address = setting('address', parseHttpUrl) ?? DEFAULT_NOMAD_ADDR;
  const token = setting('token', secret);
  const caCert = setting('ca_cert', localPath);
  const clientCert = setting('client_cert', localPath);
  const clientKey = setting('client_key', localPath);
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    problems.push(problemAt(given.get('client_cert')?.at ?? given.get('client_key')?.at ?? { file: doc.file, path: 'client_cert' }, 'client_cert and client_key must be set together'));
  }
  const group = setting('group', parseString) ?? CLIENTS_GROUP;
  const groupAt = given.get('group')?.at ?? given.get('plugin')?.at ?? { file: doc.file, path: 'plugin' };
  const groupProblem = nameProblem('group', group);
  if (groupProblem) problems.push(problemAt(groupAt, groupProblem));
  const config: NomadConfig = {
    file: doc.file,
    address,
    ...(token ? { token } : {}),
    ...optional('caCert', caCert),
    ...optional('clientCert', clientCert),
    ...optional('clientKey', clientKey),
    ...optional('tlsServerName', setting('tls_server_name', parseWord)),
    ...optional('region', setting('region', parseWord)),
    ...optional('nodeClass', setting('node_class', parseString)),
    ...optional('nodePool', setting('node_pool', parseString)),
    ...optional('datacenter', setting('datacenter', parseString)),
    group,
    groupAt,
    vars: varsNode ? readVars(doc, varsNode, problems) : [],
    includeDraining: setting('include_draining', parseBool) ?? false,
    includeIneligible: setting('include_ineligible', parseBool) ?? false,
    timeoutMs: (setting('timeout', (raw) => parseInteger(raw, 1, 600)) ?? DEFAULT_TIMEOUT_S) * 1000,
  };
  return problems.length > before ? undefined : config;
}

/** `vars:` as raw vars, checked later with every other var (so with the same rules). */
function readVars(doc: YamlDoc, node: Node, problems: FieldProblem[]): RawVar[] {
  if (!isMap(node)) {
    problems.push(problemAt(doc.at(node, 'vars'), 'vars must be a mapping'));
    return [];
  }
  return doc.entries(node, 'vars').map((entry) => {
    const varPath = joinPath('vars', entry.key);
    const { value, problems: valueProblems } = doc.value(entry.value, varPath, entry.keyNode);
    return { name: entry.key, keyAt: doc.at(entry.keyNode, varPath), value, templated: true, ...(valueProblems.length ? { problems: valueProblems } : {}) };
  });
}

function optional<K extends string, T>(key: K, value: T | undefined): { [P in K]?: T } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: T };
}

function visibleValue(value: unknown): string {
  return typeof value === 'string' ? visible(value) : value === undefined ? '(none)' : String(value);
}
