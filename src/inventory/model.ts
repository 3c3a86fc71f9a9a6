// The normalised inventory: what the rest of fleet works with. Reading lives in the source
// readers (*-source.ts), checking and merging in normalise.ts; nothing here knows a format.
import type { SshTarget } from '../transports/transport.js';
import type { Secret } from '../core/command.js';
import type { Runtime } from '../core/runtime.js';

export interface Host {
  /** Inventory name (the key under `hosts:`, the INI host, the Nomad node's Name). */
  readonly name: string;
  /** Every group the host is in, directly or through `children`, in inventory order, incl. "all". */
  readonly groups: readonly string[];
  /** Merged vars, all -> parent groups -> group -> host, after {{env.NAME}} substitution. */
  readonly vars: Readonly<Record<string, unknown>>;
  readonly ssh: SshTarget;
  /** Run commands as root through `sudo -n` (ansible_become), unless the user is root already. */
  readonly become: boolean;
  /** File line of the host's first entry, for messages (absent for hosts from a program or an API). */
  readonly line?: number;
}

export interface ClientSettings {
  /** Path of daemon.json on this host (docker_daemon_json, default /etc/docker/daemon.json). */
  readonly daemonJsonPath: string;
  /** Mirrors this client must have, in order: cacheMirrors, then the mirror_fallbacks not among them. */
  readonly mirrors: readonly string[];
  /**
   * The operator's own mirrors, first in `mirrors`: every cache host's mirror in this client's
   * hashed order, or mirror_url as given. These are probed and verified; public fallbacks are not.
   */
  readonly cacheMirrors: readonly string[];
  /** The runtime to configure (container_runtime); absent: detected on the host. */
  readonly containerRuntime?: Runtime;
  /** Install the boot hook that puts the mirrors back before every docker start (mirror_boot_hook). */
  readonly bootHook: boolean;
}

export interface CacheSettings {
  readonly mirrorPort: number;
  readonly remoteUrl: string;
  readonly username?: Secret;
  readonly password?: Secret;
  readonly image: string;
  readonly dataDir: string;
  readonly allowCidrs: readonly string[];
}

/** A group as written: its own hosts and child groups (not those it holds through children). */
export interface GroupTree {
  readonly hosts: readonly string[];
  readonly children: readonly string[];
}

export interface Inventory {
  /** The sources, comma-separated, for messages. */
  readonly file: string;
  /** Every source as given (-i, in order): paths of files, scripts or plugin configurations. */
  readonly sources: readonly string[];
  /** All hosts in inventory order. */
  readonly hosts: readonly Host[];
  /** Group name -> host names (transitively through children), in inventory order. */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** Group name -> its own hosts and children, for `fleet inventory --list` and `--graph`. */
  readonly tree: ReadonlyMap<string, GroupTree>;
  /** What the sources want the operator to know (e.g. Nomad nodes left out, and why). */
  readonly notes: readonly string[];
  /** Hosts of the `cache` group, in order. */
  readonly caches: readonly Host[];
  /** Hosts of the `clients` group, in order. */
  readonly clients: readonly Host[];
  clientSettings(host: Host): ClientSettings;
  /** The mirror URL clients reach a cache host on (http://ADDRESS[:mirror_port]). */
  cacheMirror(host: Host): string;
  cacheSettings(host: Host): CacheSettings;
}
