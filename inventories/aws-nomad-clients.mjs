#!/usr/bin/env node
// An executable inventory: CircleCI Server's Nomad clients on AWS, for fleet (or Ansible).
// CircleCI's Terraform tags every client instance type=circleci-nomad-client; this lists the
// running ones with the AWS CLI and prints them as the `clients` group, each named by its
// instance id (the name its Nomad node has too) at its private address.
//
//   fleet apply -i inventories/circleci-cache.yml -i inventories/aws-nomad-clients.mjs
//
// Needs the aws CLI with credentials allowed ec2:DescribeInstances, and the region in
// AWS_REGION (or the AWS profile). FLEET_AWS_TAG overrides the tag (key=value).
import { execFileSync } from 'node:child_process';

// The CLI's own message is on stderr already: end with one line, not a stack trace.
process.on('uncaughtException', (err) => {
  console.error(`aws-nomad-clients.mjs: ${err.message.split('\n')[0]}`);
  process.exit(1);
});

const [key, value] = (process.env.FLEET_AWS_TAG ?? 'type=circleci-nomad-client').split('=');

if (process.argv[2] === '--host') {
  console.log('{}'); // every host's vars are in _meta below
  process.exit(0);
}
if (process.argv[2] !== '--list') {
  console.error('usage: aws-nomad-clients.mjs --list | --host NAME');
  process.exit(2);
}

// Arguments, not a shell command: nothing here is ever interpreted by a shell.
const out = execFileSync('aws', [
  'ec2', 'describe-instances',
  '--filters', `Name=tag:${key},Values=${value}`, 'Name=instance-state-name,Values=running',
  '--query', 'Reservations[].Instances[].[InstanceId, PrivateIpAddress]',
  '--output', 'json',
], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

const instances = JSON.parse(out).filter(([id, ip]) => id && ip);
console.log(JSON.stringify({
  _meta: { hostvars: Object.fromEntries(instances.map(([id, ip]) => [id, { ansible_host: ip }])) },
  clients: {
    hosts: instances.map(([id]) => id),
    // CircleCI's client image is Ubuntu: FLEET_SSH_USER for another user.
    vars: { ansible_user: process.env.FLEET_SSH_USER ?? 'ubuntu', ansible_become: true },
  },
}, null, 2));
