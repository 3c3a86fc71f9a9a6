// The facts of a containerd host, read in one command and parsed by a pure function: the
// containerd binary and version, the running daemon, its config.toml and the hosts.toml fleet
// manages. Paths come in as arguments: the module owns the layout.
import type { Command, CommandResult } from '../core/command.js';
import type { FileFact } from './docker-client.js';
import { fileFactCall, FILE_FACT_FUNCTION, parseFileFactAt } from './file-fact.js';
import { FACTS_PRELUDE, factsKeyValues } from './key-values.js';

export interface ContainerdFactArgs {
  readonly configToml: string;
  readonly hostsToml: string;
}

export interface ContainerdFacts {
  readonly installed: boolean;
  /** e.g. "1.6.20~ds1", from `containerd --version`. */
  readonly version?: string;
  /** PID of the running containerd, when one runs. */
  readonly pid?: number;
  readonly hasSystemctl: boolean;
  /** `systemctl is-active containerd` ("active", "inactive", ...), when systemctl exists. */
  readonly unitState?: string;
  readonly configToml: FileFact;
  readonly hostsToml: FileFact;
}

export function containerdFactsCommand(args: ContainerdFactArgs): Command {
  const script = `
${FACTS_PRELUDE}
${FILE_FACT_FUNCTION}
${fileFactCall('config', args.configToml)}
${fileFactCall('hosts', args.hostsToml)}
if command -v containerd >/dev/null 2>&1; then
  emit containerd yes
  emit containerd.version "$(containerd --version 2>/dev/null | tr -d '\\n')"
fi
emit containerd.pid "$(pidof -s containerd 2>/dev/null || pgrep -xo containerd 2>/dev/null)"
if command -v systemctl >/dev/null 2>&1; then
  emit systemctl yes
  emit unit.state "$(systemctl is-active containerd 2>/dev/null)"
fi
exit 0
`;
  return { script, label: 'read containerd facts' };
}

export function parseContainerdFacts(result: CommandResult): ContainerdFacts {
  const kv = factsKeyValues(result, 'containerd facts');
  const pid = Number(kv.get('containerd.pid') || NaN);
  const version = parseContainerdVersion(kv.get('containerd.version') ?? '');
  return {
    installed: kv.get('containerd') === 'yes',
    ...(version ? { version } : {}),
    ...(Number.isInteger(pid) && pid > 0 ? { pid } : {}),
    hasSystemctl: kv.get('systemctl') === 'yes',
    ...(kv.has('unit.state') ? { unitState: kv.get('unit.state')! } : {}),
    configToml: parseFileFactAt(kv, 'config'),
    hostsToml: parseFileFactAt(kv, 'hosts'),
  };
}

/** `containerd github.com/containerd/containerd 1.6.20~ds1 <revision>`: the third word. */
export function parseContainerdVersion(line: string): string | undefined {
  const words = line.trim().split(/\s+/);
  return words[0] === 'containerd' && words[2] ? words[2].replace(/^v/, '') : undefined;
}
