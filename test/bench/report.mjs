// Figures -> ratios, per-host slopes, and the Markdown table.

/** Least-squares line through (n, y): { slope, intercept }; undefined with fewer than 2 sizes. */
export function linearFit(points) {
  if (points.length < 2) return undefined;
  const mx = points.reduce((s, p) => s + p[0], 0) / points.length;
  const my = points.reduce((s, p) => s + p[1], 0) / points.length;
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

const OPS = ['check', 'check-insync', 'apply', 'apply-nochange', 'rollback'];
const OP_LABEL = { check: 'check (drift)', 'check-insync': 'check (in sync)', apply: 'apply (first run)', 'apply-nochange': 'apply (no change)', rollback: 'rollback' };

function find(results, tool, n, op) {
  return results.find((r) => r.tool === tool && r.hosts === n && r.op === op);
}

export function ratios(results) {
  const out = [];
  for (const r of results.filter((x) => x.tool === 'fleet')) {
    for (const tool of ['ansible-default', 'ansible-tuned']) {
      const a = find(results, tool, r.hosts, r.op);
      if (a && r.ok && a.ok) out.push({ hosts: r.hosts, op: r.op, versus: tool, wallRatio: a.wallS / r.wallS, cpuRatio: a.cpuS / r.cpuS });
    }
  }
  return out;
}

export function slopes(results) {
  const out = [];
  for (const tool of [...new Set(results.map((r) => r.tool))]) {
    for (const op of OPS) {
      const rows = results.filter((r) => r.tool === tool && r.op === op && r.ok);
      const wall = linearFit(rows.map((r) => [r.hosts, r.wallS]));
      const cpu = linearFit(rows.map((r) => [r.hosts, r.cpuS]));
      const hosts = rows.every((r) => r.hostsCpuS !== undefined) ? linearFit(rows.map((r) => [r.hosts, r.hostsCpuS])) : undefined;
      const trips = rows.filter((r) => r.roundTripsPerHost !== undefined).map((r) => r.roundTripsPerHost);
      const roundTripsPerHost = trips.length > 0 ? trips.reduce((a, b) => a + b, 0) / trips.length : NaN;
      if (wall) out.push({ tool, op, sizes: rows.map((r) => r.hosts), wallMsPerHost: wall.slope * 1000, wallInterceptS: wall.intercept, cpuMsPerHost: cpu.slope * 1000, cpuInterceptS: cpu.intercept, hostsCpuMsPerHost: (hosts?.slope ?? NaN) * 1000, roundTripsPerHost });
    }
  }
  return out;
}

/**
 * Wall time of a run over `hosts` hosts split into `shards` control nodes, from per-host figures,
 * when every host is its own machine: a host takes `roundTrips` x `rttMs` plus its own CPU time
 * (`hostCpuMs`, its commands run one after another), `forks` hosts at a time; the control node's
 * event loop (one core) spends `controlCpuMs` per host. The run takes the larger of the two
 * bounds, plus start-up. Returns seconds and which bound it is.
 */
export function projectWall({ hosts, shards = 1, controlCpuMs, startupS, roundTrips, rttMs, hostCpuMs, forks }) {
  const perShard = Math.ceil(hosts / shards);
  const latencyS = (perShard * (roundTrips * rttMs + hostCpuMs)) / forks / 1000;
  const cpuS = (perShard * controlCpuMs) / 1000;
  return { wallS: startupS + Math.max(latencyS, cpuS), bound: cpuS >= latencyS ? 'control CPU' : 'latency', latencyS, cpuS };
}

const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** Per-host figures of one run: control node's and hosts' CPU in ms per host. */
export function perHost(row) {
  return { controlCpuMs: (row.cpuS * 1000) / row.hosts, hostsCpuMs: ((row.hostsCpuS ?? NaN) * 1000) / row.hosts };
}

function resultTable(results) {
  const relayed = results.some((r) => r.roundTripsPerHost !== undefined);
  const lines = [
    `| hosts | tool | operation | wall s | control CPU ms/host | hosts' CPU ms/host | ${relayed ? 'SSH round trips/host | relay CPU s | ' : ''}SSH logins/host | peak RSS MB | result |`,
    `|---:|---|---|---:|---:|---:|${relayed ? '---:|---:|' : ''}---:|---:|---|`,
  ];
  for (const r of results) {
    const { controlCpuMs, hostsCpuMs } = perHost(r);
    const latency = relayed ? `${f(r.roundTripsPerHost, 1)} | ${f(r.relayCpuS)} | ` : '';
    lines.push(`| ${r.hosts} | ${r.tool} | ${OP_LABEL[r.op]} | ${f(r.wallS)} | ${f(controlCpuMs, 1)} | ${f(hostsCpuMs, 1)} | ${latency}${f(r.sshConnectionsPerHost)} | ${f(r.peakRssMb, 0)} | ${r.ok ? '' : 'FAILED: '}${r.summary} |`);
  }
  return lines;
}

const FLEET_DEFAULT_FORKS = 50;
export const PROJECTED_HOSTS = 10_000;
export const PROJECTED_SHARDS = [1, 4, 10];

/** The fleet check's per-host figures of this run, projected to 10,000 hosts on K control nodes. */
function projectionTable(doc) {
  const s = doc.slopes.find((x) => x.tool === 'fleet' && x.op === 'check');
  if (!s || doc.rttMs == null || !Number.isFinite(s.roundTripsPerHost)) return [];
  const forks = typeof doc.forks === 'number' ? doc.forks : FLEET_DEFAULT_FORKS;
  const figures = { controlCpuMs: s.cpuMsPerHost, startupS: Math.max(0, s.cpuInterceptS), roundTrips: s.roundTripsPerHost, rttMs: doc.rttMs, hostCpuMs: s.hostsCpuMsPerHost, forks };
  const lines = [
    '',
    `Projection of \`fleet check\` on ${PROJECTED_HOSTS} hosts, each its own machine, from this run's per-host figures: control CPU ${f(figures.controlCpuMs, 1)} ms, start-up ${f(figures.startupS)} s, ${f(figures.roundTrips, 1)} round trips of ${doc.rttMs} ms, host CPU ${f(figures.hostCpuMs, 1)} ms, forks ${forks}.`,
    '',
    '| control nodes (shards) | hosts each | latency bound s | control CPU bound s | projected wall s | bound |',
    '|---:|---:|---:|---:|---:|---|',
  ];
  for (const shards of PROJECTED_SHARDS) {
    const p = projectWall({ hosts: PROJECTED_HOSTS, shards, ...figures });
    lines.push(`| ${shards} | ${Math.ceil(PROJECTED_HOSTS / shards)} | ${f(p.latencyS, 1)} | ${f(p.cpuS, 1)} | ${f(p.wallS, 1)} | ${p.bound} |`);
  }
  return lines;
}

export function markdown(doc) {
  const m = doc.machine;
  const lines = [
    `# fleet benchmark, ${doc.date}`,
    '',
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb} GB RAM, ${m.os}, Node ${m.node}, ${m.ansible}. ` +
      `Load average before: ${m.loadBefore}; after: ${m.loadAfter}.`,
    `Hosts: light (real OpenSSH sshd per host in its own namespaces, on the same machine; docker, systemctl and dockerd are stand-ins answering from the host's own daemon.json), ` +
      `login \`${doc.user}\`${doc.user === 'root' ? '' : ' with NOPASSWD sudo (become)'}, sshd MaxStartups 100:30:200. ` +
      `fleet: ${doc.fleetCheck}; default forks unless said. Ansible ran at ${doc.ansibleSizes.join(', ') || 'no'} hosts.`,
    '',
    ...(doc.rttMs != null
      ? [`Latency: every SSH connection went through a relay delaying each direction by ${doc.rttMs / 2} ms (RTT ${doc.rttMs} ms, TCP handshake included); the relay's own CPU is its column, in neither the control node's nor the hosts' figures.`, '']
      : []),
    ...resultTable(doc.results),
  ];
  if (doc.ratios.length > 0) {
    lines.push('', '| hosts | operation | Ansible wall / fleet wall (defaults) | (tuned) |', '|---:|---|---:|---:|');
    for (const n of [...new Set(doc.ratios.map((r) => r.hosts))]) {
      for (const op of OPS) {
        const d = doc.ratios.find((r) => r.hosts === n && r.op === op && r.versus === 'ansible-default');
        const t = doc.ratios.find((r) => r.hosts === n && r.op === op && r.versus === 'ansible-tuned');
        if (d || t) lines.push(`| ${n} | ${OP_LABEL[op]} | ${d ? `${f(d.wallRatio, 1)}x` : '-'} | ${t ? `${f(t.wallRatio, 1)}x` : '-'} |`);
      }
    }
  }
  if (doc.slopes.length > 0) {
    lines.push('', 'Cost per host: slope of a least-squares line through the sizes (round trips: their mean).', '', '| tool | operation | sizes | wall ms per host | control CPU ms per host | hosts\' CPU ms per host | SSH round trips per host |', '|---|---|---|---:|---:|---:|---:|');
    for (const s of doc.slopes) lines.push(`| ${s.tool} | ${OP_LABEL[s.op]} | ${s.sizes.join(', ')} | ${f(s.wallMsPerHost, 1)} | ${f(s.cpuMsPerHost, 1)} | ${f(s.hostsCpuMsPerHost, 1)} | ${f(s.roundTripsPerHost, 1)} |`);
  }
  lines.push(...projectionTable(doc));
  if (doc.notes.length > 0) lines.push('', ...doc.notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}
