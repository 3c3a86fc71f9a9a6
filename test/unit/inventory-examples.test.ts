// The inventories/ examples work as documented: the INI example is the YAML one, the CircleCI
// pair reads Nomad, and the AWS and GCP scripts turn their CLI's answers into clients (with
// stand-ins for `aws` and `gcloud` that record how they were called).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ansibleList } from '../../src/inventory/export.js';
import { loadInventory } from '../../src/inventory/load.js';
import { node, startNomadStandIn } from './nomad-stand-in.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../inventories');
const bin = mkdtempSync(path.join(tmpdir(), 'fleet-examples-bin-'));
const log = path.join(bin, 'calls.log');
const HUB = { DOCKER_HUB_USERNAME: 'me', DOCKER_HUB_ACCESS_TOKEN: 'tok' };

/** A stand-in CLI: records its argv (one per line, calls separated by ---) and prints `answer` for the call whose words include `key`. */
function standInCli(name: string, answers: Record<string, unknown>): void {
  const cases = Object.entries(answers).map(([key, answer]) => `  *' ${key} '*) cat <<'EOF'\n${JSON.stringify(answer)}\nEOF\n  ;;`).join('\n');
  writeFileSync(path.join(bin, name), `#!/bin/sh\nprintf '%s\\n' "$@" --- >> '${log}'\ncase " $* " in\n${cases}\n  *) echo "unexpected: $*" >&2; exit 1 ;;\nesac\n`, { mode: 0o755 });
}

const env = (extra: Record<string, string> = {}) => ({ PATH: `${bin}:${process.env.PATH}`, ...extra });

describe('inventories/ examples', () => {
  it('example.ini is example.yml in INI', async () => {
    const [ini, yml] = await Promise.all([loadInventory(path.join(examples, 'example.ini'), HUB), loadInventory(path.join(examples, 'example.yml'), HUB)]);
    expect(ansibleList(ini)).toBe(ansibleList(yml));
  });

  it('circleci-cache.yml + circleci-nomad.yml: the cache from the file, the clients from Nomad', async () => {
    const nomad = await startNomadStandIn({ token: 't0k', nodes: [node('i-0aa1', '10.20.1.11'), node('i-0gpu', '10.20.1.12', { NodeClass: 'linux-gpu' })] });
    try {
      const inv = await loadInventory([path.join(examples, 'circleci-cache.yml'), path.join(examples, 'circleci-nomad.yml')], { ...HUB, NOMAD_ADDR: nomad.address, NOMAD_TOKEN: 't0k' });
      expect(inv.caches.map((h) => h.name)).toEqual(['cache-1']);
      expect(inv.clients.map((h) => [h.name, h.ssh.address, h.ssh.user, h.become])).toEqual([['i-0aa1', '10.20.1.11', 'ubuntu', true]]);
      expect(inv.notes).toEqual([expect.stringMatching(/i-0gpu .* node class linux-gpu, not linux-64bit/)]);
    } finally {
      await nomad.close();
    }
  });

  it('aws-nomad-clients.mjs lists running instances tagged type=circleci-nomad-client', async () => {
    writeFileSync(log, '');
    standInCli('aws', { 'describe-instances': [['i-0aa1', '10.20.1.11'], ['i-0aa2', '10.20.1.12'], ['i-0nop', null]] });
    const inv = await loadInventory([path.join(examples, 'circleci-cache.yml'), path.join(examples, 'aws-nomad-clients.mjs')], { ...HUB, ...env() });
    expect(inv.clients.map((h) => [h.name, h.ssh.address, h.ssh.user])).toEqual([['i-0aa1', '10.20.1.11', 'ubuntu'], ['i-0aa2', '10.20.1.12', 'ubuntu']]);
    const argv = readFileSync(log, 'utf8').split('\n');
    expect(argv).toEqual(expect.arrayContaining(['describe-instances', 'Name=tag:type,Values=circleci-nomad-client', 'Name=instance-state-name,Values=running']));
  });

  it('gcp-nomad-clients.mjs lists the running members of the managed instance group', async () => {
    writeFileSync(log, '');
    const link = (name: string) => `https://www.googleapis.com/compute/v1/projects/p/zones/us-east1-b/instances/${name}`;
    standInCli('gcloud', {
      'list-instances': [
        { instance: link('nomad-a1'), instanceStatus: 'RUNNING', currentAction: 'NONE' },
        { instance: link('nomad-a2'), instanceStatus: 'RUNNING', currentAction: 'NONE' },
        { instance: link('nomad-a3'), instanceStatus: 'STAGING', currentAction: 'CREATING' },
      ],
      list: [
        { name: 'nomad-a1', selfLink: link('nomad-a1'), networkInterfaces: [{ networkIP: '10.30.0.5' }] },
        { name: 'nomad-a2', selfLink: link('nomad-a2'), networkInterfaces: [{ networkIP: '10.30.0.6' }] },
        { name: 'nomad-a3', selfLink: link('nomad-a3'), networkInterfaces: [{ networkIP: '10.30.0.7' }] },
        { name: 'web-1', selfLink: link('web-1'), networkInterfaces: [{ networkIP: '10.30.9.9' }] },
      ],
    });
    const inv = await loadInventory([path.join(examples, 'circleci-cache.yml'), path.join(examples, 'gcp-nomad-clients.mjs')], { ...HUB, ...env({ FLEET_GCP_GROUP: 'circleci-nomad', FLEET_GCP_REGION: 'us-east1' }) });
    expect(inv.clients.map((h) => [h.name, h.ssh.address])).toEqual([['nomad-a1', '10.30.0.5'], ['nomad-a2', '10.30.0.6']]);
    expect(readFileSync(log, 'utf8').split('\n')).toEqual(expect.arrayContaining(['list-instances', 'circleci-nomad', '--region=us-east1']));
  });
});
