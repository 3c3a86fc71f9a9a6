// Nomad's HTTP API, the one call a Nomad source needs: GET /v1/nodes (node stubs, unpaginated
// unless per_page is given), with the token in X-Nomad-Token, TLS with the configured CA and
// client certificate, and a time limit. The token never appears in what this returns.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { NomadConfig } from './config.js';
import { visible } from '../values.js';

/** The fields of a node stub fleet reads (api/nodes.go NodeListStub). */
export interface NodeStub {
  readonly ID: string;
  readonly Name: string;
  readonly Address: string;
  readonly Status: string;
  readonly Drain: boolean;
  readonly SchedulingEligibility: string;
  readonly NodeClass: string;
  readonly NodePool: string;
  readonly Datacenter: string;
}

export type NodesResult = { readonly ok: true; readonly nodes: readonly unknown[] } | { readonly ok: false; readonly message: string };

const MAX_BODY = 64 * 1024 * 1024;

/** The URL of the node list, with the region when one is set. */
export function nodesUrl(config: Pick<NomadConfig, 'address' | 'region'>): URL {
  const url = new URL('v1/nodes', config.address.endsWith('/') ? config.address : `${config.address}/`);
  if (config.region) url.searchParams.set('region', config.region);
  return url;
}

export async function listNodes(config: NomadConfig): Promise<NodesResult> {
  const url = nodesUrl(config);
  const where = `the Nomad API at ${config.address}`;
  let tls: https.RequestOptions = {};
  try {
    tls = {
      ...(config.caCert ? { ca: await readFile(config.caCert) } : {}),
      ...(config.clientCert ? { cert: await readFile(config.clientCert) } : {}),
      ...(config.clientKey ? { key: await readFile(config.clientKey) } : {}),
      ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
    };
  } catch (err) {
    return { ok: false, message: `cannot read a TLS file for ${where}: ${(err as Error).message}` };
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (config.token) headers['X-Nomad-Token'] = config.token.reveal();
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.get(url, { headers, ...(url.protocol === 'https:' ? tls : {}), timeout: config.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) {
          req.destroy(new Error('the answer is larger than an inventory can be'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const detail = body.trim() ? `: ${visible(body.trim().slice(0, 300))}` : '';
          resolve({ ok: false, message: `${where} answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} for GET ${url.pathname}${detail}` });
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          resolve({ ok: false, message: `${where} answered GET ${url.pathname} with something that is not JSON` });
          return;
        }
        if (!Array.isArray(parsed)) resolve({ ok: false, message: `${where} answered GET ${url.pathname} with JSON that is not a list of nodes` });
        else resolve({ ok: true, nodes: parsed });
      });
      res.on('error', (err) => resolve({ ok: false, message: `cannot read the answer of ${where}: ${err.message}` }));
    });
    // A time limit for the whole exchange, not only for idle sockets.
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${config.timeoutMs / 1000} s`)), config.timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${config.timeoutMs / 1000} s`)));
    req.on('error', (err) => resolve({ ok: false, message: `cannot reach ${where}: ${err.message}` }));
    req.on('close', () => clearTimeout(deadline));
  });
}
