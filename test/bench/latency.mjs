// `--rtt-ms`: the lab seen through the latency relay (relay.mjs). Every host gets a port on the
// bridge's address; inventories and known_hosts point there, so fleet and Ansible both pay the RTT.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RELAY_BASE_PORT = 20000;

/** The lab's hosts as reached through the relay: { name, address, port, upstream }. */
export function relayedHosts(hosts, listen, basePort = RELAY_BASE_PORT) {
  return hosts.map((h, i) => ({ name: h.name, address: listen, port: basePort + i + 1, upstream: h.address }));
}

/** known_hosts for the relayed endpoints: each `[address]:port` with the host's key. */
export function relayedKnownHosts(labKnownHosts, relayed) {
  const keys = new Map();
  for (const line of labKnownHosts.split('\n')) {
    const [host, ...key] = line.trim().split(/\s+/);
    if (host && key.length >= 2) keys.set(host, key.slice(0, 2).join(' '));
  }
  return relayed.map((h) => {
    const key = keys.get(h.upstream);
    if (!key) throw new Error(`no host key for ${h.upstream} in the lab's known_hosts`);
    return `[${h.address}]:${h.port} ${key}\n`;
  }).join('');
}

/**
 * Start the relay for `lab` (one-way delay rttMs / 2) and return the lab as seen through it,
 * with stats() (cumulative counters and the relay's own CPU) and stop().
 */
export async function startRelay(lab, rttMs, dir) {
  const relayed = relayedHosts(lab.hosts, lab.bridgeAddress);
  const knownHosts = join(dir, 'relay-known_hosts');
  writeFileSync(knownHosts, relayedKnownHosts(readFileSync(lab.knownHosts, 'utf8'), relayed));
  const child = fork(new URL('./relay.mjs', import.meta.url).pathname, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = (type) => new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(msg);
    };
    const onExit = (code) => reject(new Error(`the latency relay exited (${code}) before answering '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  const listening = reply('listening');
  child.send({ type: 'start', listen: lab.bridgeAddress, oneWayMs: rttMs / 2, hosts: relayed.map((h) => ({ port: h.port, address: h.upstream })) });
  await listening;
  return {
    lab: { ...lab, hosts: relayed, knownHosts },
    stats: async () => {
      const answer = reply('stats');
      child.send({ type: 'stats' });
      return (await answer).stats;
    },
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.disconnect();
    }),
  };
}
