// A Nomad source -> RawSource: every ready node of the cluster becomes a host of the configured
// group (default `clients`), named after the node's Name, with ansible_host its Address (the
// address the client advertises), plus the source's vars. Nodes that are not ready, are
// draining or ineligible (unless included), or do not match node_class / node_pool / datacenter
// are left out, each with the reason in a note. Node data is data: nothing from it is
// templated, and names and addresses are checked like any other.
import type { FieldProblem } from '../../core/errors.js';
import { RawBuilder, type RawSource, joinPath } from '../raw.js';
import { visible } from '../values.js';
import type { YamlDoc } from '../yaml-doc.js';
import { type NodeStub, listNodes } from './api.js';
import { type NomadConfig, readNomadConfig } from './config.js';

export interface NomadReadOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Check the configuration only; do not ask the API (fleet schedule). */
  readonly offline?: boolean;
}

export async function readNomadSource(doc: YamlDoc, options: NomadReadOptions): Promise<RawSource> {
  const problems: FieldProblem[] = [];
  const config = readNomadConfig(doc, options.env, problems);
  const raw = new RawBuilder(doc.file);
  raw.source.problems.push(...problems);
  if (!config) {
    raw.source.complete = false;
    return raw.source;
  }
  raw.group(config.group, config.groupAt);
  if (options.offline) {
    raw.source.unresolved = true;
    return raw.source;
  }
  const answer = await listNodes(config);
  if (!answer.ok) {
    raw.problem({ file: doc.file, path: '' }, answer.message);
    raw.source.complete = false;
    return raw.source;
  }
  addNodes(raw, config, answer.nodes);
  return raw.source;
}

/** Why a node is not listed, or undefined when it is. */
export function leftOutBecause(node: NodeStub, config: NomadConfig): string | undefined {
  if (node.Status !== 'ready') return `status ${shown(node.Status || 'unknown')}`;
  if (node.Drain && !config.includeDraining) return 'draining';
  if (node.SchedulingEligibility === 'ineligible' && !config.includeIneligible) return 'ineligible for scheduling';
  if (config.nodeClass !== undefined && node.NodeClass !== config.nodeClass) return `node class ${shown(node.NodeClass)}, not ${shown(config.nodeClass)}`;
  if (config.nodePool !== undefined && node.NodePool !== config.nodePool) return `node pool ${shown(node.NodePool)}, not ${shown(config.nodePool)}`;
  if (config.datacenter !== undefined && node.Datacenter !== config.datacenter) return `datacenter ${shown(node.Datacenter)}, not ${shown(config.datacenter)}`;
  return undefined;
}

/** API text in a message: as is when it is a plain word, else quoted with escapes visible. */
function shown(text: string): string {
  return /^[\w.:-]+$/.test(text) ? text : visible(text);
}

function addNodes(raw: RawBuilder, config: NomadConfig, answer: readonly unknown[]): void {
  const file = config.file;
  const nodes = answer.map(toStub).filter((n): n is NodeStub => n !== undefined);
  if (nodes.length < answer.length) raw.problem({ file, path: 'nodes' }, `the Nomad API at ${config.address} listed ${answer.length - nodes.length} node(s) without an ID and a Name`);
  nodes.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  const listed = new Map<string, NodeStub>();
  for (const node of nodes) {
    const label = `Nomad node ${shown(node.Name)} (${shown(node.ID.slice(0, 8))})`;
    const reason = leftOutBecause(node, config);
    if (reason) {
      raw.source.notes.push(`${file}: ${label} left out: ${reason}`);
      continue;
    }
    const at = { file, path: joinPath(`nodes.${node.Name}`, 'Name') };
    const twin = listed.get(node.Name);
    if (twin) {
      raw.problem(at, `two ready Nomad nodes are named ${shown(node.Name)} (IDs ${shown(twin.ID)} and ${shown(node.ID)}): fleet needs one host per name`);
      continue;
    }
    listed.set(node.Name, node);
    const host = raw.addHost(config.group, node.Name, at);
    const addressAt = { file, path: joinPath(`nodes.${node.Name}`, 'Address') };
    host.vars.push({ name: 'ansible_host', keyAt: addressAt, value: { value: node.Address, at: addressAt }, templated: false });
    host.vars.push(...config.vars);
  }
}

/** The fields fleet reads, with types checked; undefined for an entry that is not a node. */
function toStub(entry: unknown): NodeStub | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const e = entry as Record<string, unknown>;
  const text = (key: string): string => (typeof e[key] === 'string' ? (e[key] as string) : '');
  if (!text('ID') || !text('Name')) return undefined;
  return {
    ID: text('ID'),
    Name: text('Name'),
    Address: text('Address'),
    Status: text('Status'),
    Drain: e.Drain === true,
    SchedulingEligibility: text('SchedulingEligibility'),
    NodeClass: text('NodeClass'),
    NodePool: text('NodePool'),
    Datacenter: text('Datacenter'),
  };
}
