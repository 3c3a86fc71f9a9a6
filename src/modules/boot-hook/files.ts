// The boot hook of a Docker client: a merge script and the docker.service drop-in that runs it
// before every start of dockerd, so a client keeps its registry mirrors whatever rewrites
// daemon.json (CircleCI's Nomad boot script does, on every new instance).
//
// One pure function builds the files from the client's settings: `fleet render boot-hook` writes
// them for an image build and `fleet apply` (mirror_boot_hook) installs them, byte for byte.
import { quote } from '../../core/command.js';
import { render } from '../../core/templates.js';
import type { BootHookFactArgs } from '../../facts/boot-hook.js';
import type { ClientSettings } from '../../inventory/model.js';

export const BOOT_HOOK_SCRIPT = '/usr/local/sbin/fleet-docker-mirrors';
export const BOOT_HOOK_DROP_IN = '/etc/systemd/system/docker.service.d/fleet-mirrors.conf';

/** What the script puts back: read from an installed script's data line, never by running it. */
export interface BootHookData {
  readonly daemonJson: string;
  readonly mirrors: readonly string[];
}

export interface BootHookFile {
  /** Absolute path on the client. */
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

export interface BootHookFiles {
  readonly script: BootHookFile;
  readonly dropIn: BootHookFile;
}

/** The shell variable holding the data, alone on its line as `NAME='<json>'`. */
export const DATA_VARIABLE = 'FLEET_HOOK_DATA';

/** Where the client facts look for the hook, and which script lines they read back. */
export const BOOT_HOOK_FACT_ARGS: BootHookFactArgs = { scriptPath: BOOT_HOOK_SCRIPT, dropInPath: BOOT_HOOK_DROP_IN, dataPrefix: `${DATA_VARIABLE}=` };

/** What the hook's content depends on. */
export type HookSettings = Pick<ClientSettings, 'daemonJsonPath' | 'mirrors'>;

export function bootHookData(settings: HookSettings): BootHookData {
  return { daemonJson: settings.daemonJsonPath, mirrors: [...settings.mirrors] };
}

export function bootHookFiles(settings: HookSettings): BootHookFiles {
  const names = { scriptName: basename(BOOT_HOOK_SCRIPT), scriptPath: BOOT_HOOK_SCRIPT, dropInName: basename(BOOT_HOOK_DROP_IN) };
  return {
    script: { path: BOOT_HOOK_SCRIPT, mode: 0o755, content: render('boot-hook/fleet-docker-mirrors.sh', { ...names, dataLine: dataLine(bootHookData(settings)) }) },
    dropIn: { path: BOOT_HOOK_DROP_IN, mode: 0o644, content: render('boot-hook/fleet-mirrors.conf', names) },
  };
}

/** Mirror URLs are data: JSON, single-quoted for sh, so nothing in them is ever shell code. */
function dataLine(data: BootHookData): string {
  return `${DATA_VARIABLE}=${quote(JSON.stringify(data))}`;
}

/**
 * The data of an installed script, from the lines that assign DATA_VARIABLE (as the facts read
 * them), or why it cannot be told: a script fleet did not write, or one edited by hand.
 */
export function parseDataLines(lines: readonly string[]): { readonly data: BootHookData } | { readonly problem: string } {
  if (lines.length !== 1) return { problem: lines.length === 0 ? `no ${DATA_VARIABLE} line` : `${lines.length} ${DATA_VARIABLE} lines` };
  const word = lines[0]!.slice(DATA_VARIABLE.length + 1);
  // Only what dataLine writes: single-quoted pieces joined by \' (sh's way to write a quote).
  if (!lines[0]!.startsWith(`${DATA_VARIABLE}=`) || !/^(?:'[^']*'|\\')+$/.test(word)) return { problem: `${DATA_VARIABLE} is not a single-quoted value` };
  const json = word.replace(/'([^']*)'|\\'/g, (_m, inner: string | undefined) => inner ?? "'");
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { problem: `${DATA_VARIABLE} is not JSON` };
  }
  const v = value as Partial<Record<keyof BootHookData, unknown>>;
  if (typeof value !== 'object' || value === null || typeof v.daemonJson !== 'string' || !Array.isArray(v.mirrors) || !v.mirrors.every((m) => typeof m === 'string')) {
    return { problem: `${DATA_VARIABLE} does not name a daemon.json and its mirrors` };
  }
  return { data: { daemonJson: v.daemonJson, mirrors: v.mirrors as string[] } };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
