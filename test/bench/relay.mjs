// The latency relay (`npm run bench -- --rtt-ms 30`): one process listening on a port per light
// host, forwarding each connection to the host's sshd with a fixed one-way delay per direction
// (half the RTT). Bytes are delayed, not throttled, and keep their order. It counts connections,
// bytes and SSH round trips (delay-line.mjs) and reports them, with its own CPU time, on request.
// It runs outside both measured cgroups: its CPU is neither the control node's nor the hosts'.
//
// Forked by run.mjs: the parent sends { type: 'start', listen, oneWayMs, hosts: [{ port, address }] }
// and gets { type: 'listening' }; { type: 'stats' } -> { type: 'stats', stats }; disconnecting
// ends it.
import { connect, createServer } from 'node:net';
import { DelayLine, serverOpenAt, TurnCounter } from './delay-line.mjs';

// FLEET_BENCH_RELAY_TRACE=1: one stderr line per chunk (connection, ms since accept, direction,
// bytes, turn), to see where a connection's round trips go.
const TRACE = Boolean(process.env.FLEET_BENCH_RELAY_TRACE);
const totals = { connections: 0, roundTrips: 0, bytesToServers: 0, bytesToClients: 0 };
const open = new Set();

/** Deliver what `line` holds at its due times to `write`; one timer per direction. */
function pump(line, write, now) {
  let timer;
  const run = () => {
    timer = undefined;
    for (const item of line.takeDue(now())) write(item);
    arm();
  };
  const arm = () => {
    const due = line.nextDue();
    if (due === undefined || timer !== undefined) return;
    timer = setTimeout(run, Math.max(0, due - now()));
  };
  return { arm, cancel: () => clearTimeout(timer) };
}

function relayConnection(client, address, oneWayMs) {
  const now = () => performance.now();
  const acceptedAt = now();
  const toServer = new DelayLine(oneWayMs, serverOpenAt(acceptedAt, oneWayMs));
  const toClient = new DelayLine(oneWayMs);
  const turns = new TurnCounter();
  let server;
  open.add(client);
  totals.connections++;
  totals.roundTrips++; // the TCP handshake
  client.setNoDelay(true);

  const closeBoth = () => {
    up.cancel();
    down.cancel();
    clearTimeout(dial);
    client.destroy();
    server?.destroy();
    open.delete(client);
  };
  const up = pump(toServer, (item) => (item === null ? server.end() : server.write(item)), now);
  const id = totals.connections;
  const trace = (dir, item) => TRACE && process.stderr.write(`relay #${id} +${(now() - acceptedAt).toFixed(1)} ms ${dir} ${item === null ? 'EOF' : `${item.length} B`} turns ${turns.turns}\n`);
  const down = pump(toClient, (item) => {
    trace('S>C', item);
    if (item === null) return client.end();
    turns.received();
    client.write(item);
  }, now);

  client.on('data', (chunk) => {
    const before = turns.turns;
    turns.sent();
    totals.roundTrips += turns.turns - before;
    trace('C>S', chunk);
    totals.bytesToServers += chunk.length;
    toServer.push(chunk, now());
    if (server) up.arm();
  });
  client.on('end', () => {
    toServer.push(null, now());
    if (server) up.arm();
  });
  client.on('error', closeBoth);
  client.on('close', () => {
    // Let what is queued for the server still arrive; then both sides are done.
    if (toServer.size === 0 || !server) closeBoth();
  });

  const dial = setTimeout(() => {
    server = connect({ host: address, port: 22 });
    server.setNoDelay(true);
    server.on('connect', () => up.arm());
    server.on('data', (chunk) => {
      totals.bytesToClients += chunk.length;
      toClient.push(chunk, now());
      down.arm();
    });
    server.on('end', () => {
      toClient.push(null, now());
      down.arm();
    });
    server.on('error', closeBoth);
    server.on('close', () => {
      if (toClient.size === 0) closeBoth();
    });
  }, Math.max(0, serverOpenAt(acceptedAt, oneWayMs) - now()));
}

function start({ listen, oneWayMs, hosts }) {
  let pending = hosts.length;
  for (const { port, address } of hosts) {
    const srv = createServer((sock) => relayConnection(sock, address, oneWayMs));
    srv.on('error', (err) => {
      process.stderr.write(`relay: cannot listen on ${listen}:${port}: ${err.message}\n`);
      process.exit(1);
    });
    srv.listen({ host: listen, port, backlog: 511 }, () => {
      if (--pending === 0) process.send({ type: 'listening' });
    });
  }
}

process.on('message', (msg) => {
  if (msg.type === 'start') start(msg);
  if (msg.type === 'stats') {
    const cpu = process.cpuUsage();
    process.send({ type: 'stats', stats: { ...totals, openConnections: open.size, cpuS: (cpu.user + cpu.system) / 1e6 } });
  }
});
process.on('disconnect', () => process.exit(0));
