// Whether a client may be pointed at its mirrors, from the GET /v2/ probes made on the client
// itself. Pure.
//
// Runtimes try mirrors in order and go on to the next on an error, and a cache's firewall
// rejects rather than drops: a dead cache costs a client one refused connection per pull. So
// with several caches, one that does not answer is a warning, not a reason to leave every
// client unconfigured (which is what one cache down would otherwise do to a whole fleet). Only
// when none of the client's own mirrors answers is the client refused: its pulls would all go to
// Docker Hub, and the cause (a firewall not admitting it, routing) is on this host's side.
import type { MirrorProbe } from '../../facts/http-probe.js';

export interface Reachability {
  /** Why the client must be left alone, when none of its mirrors answers. */
  readonly refuse?: string;
  /** The mirrors that do not answer while another one does. */
  readonly warnings: readonly string[];
}

export function mirrorReachability(probes: readonly MirrorProbe[]): Reachability {
  const dead = probes.filter((probe) => !probe.ok);
  const describe = (probe: MirrorProbe) => `mirror ${probe.url} does not answer GET /v2/ from this host: ${probe.detail}`;
  if (dead.length === 0) return { warnings: [] };
  if (dead.length === probes.length) return { refuse: dead.map(describe).join('; '), warnings: [] };
  const alive = probes.filter((probe) => probe.ok).map((probe) => probe.url);
  return { warnings: dead.map((probe) => `${describe(probe)}; configured anyway: ${alive.join(', ')} ${alive.length === 1 ? 'answers' : 'answer'}, and the runtime skips a dead mirror`) };
}
