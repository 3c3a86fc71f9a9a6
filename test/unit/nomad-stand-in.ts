// A stand-in for a Nomad server's HTTP API, for tests: GET /v1/nodes answers node stubs in the
// documented shape (website/content/api-docs/nodes.mdx, api/nodes.go NodeListStub), the token
// is checked in X-Nomad-Token as a server with ACLs does (403 "Permission denied"), `region`
// must be a known one, and it can serve over TLS (with or without client certificates), refuse
// everything with a given status, or never answer. It records every request it gets.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface NodeStub {
  ID: string;
  Name: string;
  Address: string;
  Status: 'ready' | 'down' | 'initializing' | 'disconnected' | string;
  Drain: boolean;
  SchedulingEligibility: 'eligible' | 'ineligible' | string;
  NodeClass: string;
  NodePool: string;
  Datacenter: string;
}

export interface StandInOptions {
  nodes: NodeStub[];
  /** ACLs on: this token is required. */
  token?: string;
  regions?: string[];
  /** Answer every request with this status. */
  refuse?: number;
  /** Accept connections but never answer. */
  silent?: boolean;
  tls?: { key: Buffer; cert: Buffer; clientCa?: Buffer };
}

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  token: string | undefined;
}

export interface NomadStandIn {
  /** e.g. http://127.0.0.1:40123 */
  readonly address: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  options: StandInOptions;
  close(): Promise<void>;
}

let counter = 0;

/** A node stub with every field of the real list answer; ready and eligible unless told otherwise. */
export function node(name: string, address: string, extra: Partial<NodeStub> = {}): NodeStub {
  counter++;
  const id = `${counter.toString(16).padStart(8, '0')}-4d6e-c0de-26d0-e383c49be941`;
  return {
    ID: id,
    Name: name,
    Address: address,
    Status: 'ready',
    Drain: false,
    SchedulingEligibility: 'eligible',
    NodeClass: 'linux-64bit',
    NodePool: 'default',
    Datacenter: 'dc1',
    ...extra,
  };
}

export async function startNomadStandIn(options: StandInOptions, host = '127.0.0.1'): Promise<NomadStandIn> {
  const requests: SeenRequest[] = [];
  const state = { options };
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const token = req.headers['x-nomad-token'];
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), token: typeof token === 'string' ? token : undefined });
    const o = state.options;
    if (o.silent) return;
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (o.refuse) return answer(o.refuse, 'refused by the stand-in');
    if (o.token !== undefined && token !== o.token) return answer(403, token ? 'ACL token not found' : 'Permission denied');
    if (req.method !== 'GET' || url.pathname !== '/v1/nodes') return answer(404, 'Invalid URL path');
    const region = url.searchParams.get('region');
    if (region && o.regions && !o.regions.includes(region)) return answer(500, 'No path to region');
    // The real answer carries more fields; fleet must ignore what it does not read.
    answer(200, o.nodes.map((n) => ({ ...n, CreateIndex: 6, ModifyIndex: 2526, Version: '1.6.1', StatusDescription: '', Drivers: { docker: { Detected: true, Healthy: true } } })));
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert, ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    requests,
    get options() {
      return state.options;
    },
    set options(next: StandInOptions) {
      state.options = next;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
