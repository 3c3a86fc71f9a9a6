#!/usr/bin/env node
// An executable inventory: CircleCI Server's Nomad clients on GCP, for fleet (or Ansible).
// CircleCI's Terraform runs them in a managed instance group, and gives them a network tag and
// a name prefix but no labels; the GCE API cannot filter instances by network tag, so the group
// itself is the selector: its running instances, with their private addresses from
// `gcloud compute instances list`, printed as the `clients` group.
//
//   FLEET_GCP_GROUP=circleci-nomad FLEET_GCP_REGION=us-east1 \
//     fleet apply -i inventories/circleci-cache.yml -i inventories/gcp-nomad-clients.mjs
//
// FLEET_GCP_GROUP: the managed instance group; FLEET_GCP_REGION or FLEET_GCP_ZONE: where it is
// (a regional or a zonal group); FLEET_GCP_PROJECT: the project (default: gcloud's). SSH to the
// clients is allowed from Google's IAP range: run fleet from there, or through a jump host
// (fleet_jump_host).
import { execFileSync } from 'node:child_process';

// The CLI's own message is on stderr already: end with one line, not a stack trace.
process.on('uncaughtException', (err) => {
  console.error(`gcp-nomad-clients.mjs: ${err.message.split('\n')[0]}`);
  process.exit(1);
});

if (process.argv[2] === '--host') {
  console.log('{}'); // every host's vars are in _meta below
  process.exit(0);
}
if (process.argv[2] !== '--list') {
  console.error('usage: gcp-nomad-clients.mjs --list | --host NAME');
  process.exit(2);
}
const { FLEET_GCP_GROUP: group, FLEET_GCP_REGION: region, FLEET_GCP_ZONE: zone, FLEET_GCP_PROJECT: project } = process.env;
if (!group || (!region === !zone)) {
  console.error('set FLEET_GCP_GROUP, and FLEET_GCP_REGION or FLEET_GCP_ZONE');
  process.exit(2);
}

// Arguments, not a shell command: nothing here is ever interpreted by a shell.
const gcloud = (...args) => JSON.parse(execFileSync('gcloud', [...args, ...(project ? ['--project', project] : []), '--format=json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));

const managed = gcloud('compute', 'instance-groups', 'managed', 'list-instances', group, region ? `--region=${region}` : `--zone=${zone}`);
// Running, and not being created, recreated or deleted by the group.
const members = new Set(managed.filter((m) => m.instanceStatus === 'RUNNING' && (m.currentAction ?? 'NONE') === 'NONE').map((m) => m.instance));
const instances = gcloud('compute', 'instances', 'list').filter((i) => members.has(i.selfLink));
const address = (i) => i.networkInterfaces?.[0]?.networkIP;

console.log(JSON.stringify({
  _meta: { hostvars: Object.fromEntries(instances.filter(address).map((i) => [i.name, { ansible_host: address(i) }])) },
  clients: {
    hosts: instances.filter(address).map((i) => i.name),
    // CircleCI's client image is Ubuntu: FLEET_SSH_USER for another user.
    vars: { ansible_user: process.env.FLEET_SSH_USER ?? 'ubuntu', ansible_become: true },
  },
}, null, 2));
