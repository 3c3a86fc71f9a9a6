// Debian's prometheus-node-exporter serving a directory of textfiles (textfile collector only,
// on a free port of 127.0.0.1), as a monitoring setup reads fleet's `check --prometheus FILE`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoDir } from './lab.js';

const NODE_EXPORTER = 'prometheus-node-exporter';

export interface NodeExporter {
  /** GET /metrics once the exporter answers (it starts in well under a second; bound: 60 s). */
  scrape(): Promise<string>;
  log(): string;
  stop(): void;
}

export async function startNodeExporter(textfileDir: string): Promise<NodeExporter> {
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}/metrics`;
  const child = spawn(NODE_EXPORTER, ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${textfileDir}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  return {
    log: () => log,
    stop: () => void child.kill('SIGTERM'),
    scrape: async () => {
      let last = '';
      for (let i = 0; i < 600; i++) {
        if (child.exitCode !== null) throw new Error(`${NODE_EXPORTER} exited ${child.exitCode}: ${log}`);
        try {
          const response = await fetch(url);
          if (response.ok) return await response.text();
          last = `HTTP ${response.status}`;
        } catch (err) {
          last = (err as Error).message;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${NODE_EXPORTER} did not answer on ${url}: ${last}; log: ${log}`);
    },
  };
}

/** Names of the fleet_* metrics the shipped alert rules use. */
export function metricsTheRulesUse(): Set<string> {
  const rules = parse(readFileSync(join(repoDir, 'templates', 'monitoring', 'fleet-alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> };
  return new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => [...r.expr.matchAll(/\b(fleet_[a-z0-9_]+)\b/g)].map((m) => m[1]!))));
}

export interface Sample { key: string; name: string; labels: Record<string, string>; value: number }

/** The fleet_* samples of an exposition text, keyed by name and sorted labels. */
export function samples(text: string): Sample[] {
  return text.split('\n').filter((l) => l.startsWith('fleet_')).map((line) => {
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    const key = `${m[1]}{${Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`).join(',')}}`;
    return { key, name: m[1]!, labels, value: Number(m[3]) };
  });
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
