// Run the rendered boot hook script with a real /bin/sh against a daemon.json in a temporary
// directory, with exactly the tools a test chooses on PATH (python3, jq, both or neither), a
// logger that records what it is given, and optionally a dockerd stand-in.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bootHookFiles } from '../../src/modules/boot-hook/files.js';

/** What the script uses besides python3 / jq, from the machine's own /usr/bin and /bin. */
const BASE_TOOLS = ['sh', 'cat', 'tr', 'grep', 'sed', 'head', 'iconv', 'stat', 'cksum', 'dirname', 'mktemp', 'chmod', 'chown', 'sync', 'mv', 'rm', 'readlink', 'mkdir', 'timeout'];
export const MIRRORS = ['http://10.77.0.3', 'https://mirror.example.com'];

export type Tools = 'python3' | 'jq' | 'none';

export interface HookRun {
  readonly status: number | null;
  readonly stderr: string;
  /** Arguments each logger call got, one call per line. */
  readonly logged: string;
}

export interface Sandbox {
  readonly dir: string;
  readonly daemonJson: string;
  readonly script: string;
  /** Runs the script; `prefix` (e.g. setpriv ...) is put before `sh SCRIPT`. */
  run(options?: { prefix?: readonly string[] }): HookRun;
  /** A `dockerd` on PATH: `validate` says whether its --help offers --validate and what it answers. */
  fakeDockerd(validate: 'absent' | 'accept' | 'reject'): void;
  /** What the dockerd stand-in was called with, one call per line. */
  dockerdCalls(): string;
}

function findTool(name: string): string {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  throw new Error(`${name} is not installed`);
}

export function hookSandbox(tools: Tools, mirrors: readonly string[] = MIRRORS): Sandbox {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-boot-hook-'));
  chmodSync(dir, 0o755);
  const daemonJson = path.join(dir, 'etc-docker', 'daemon.json');
  mkdirSync(path.dirname(daemonJson));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const chosen = [...BASE_TOOLS, ...(tools === 'none' ? [] : [tools])];
  for (const tool of chosen) symlinkSync(findTool(tool), path.join(bin, tool));
  const logged = path.join(dir, 'logged');
  writeFileSync(path.join(bin, 'logger'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${logged}\n`, { mode: 0o755 });
  const script = path.join(dir, 'fleet-docker-mirrors');
  writeFileSync(script, bootHookFiles({ daemonJsonPath: daemonJson, mirrors }).script.content, { mode: 0o755 });
  const calls = path.join(dir, 'dockerd-calls');

  return {
    dir,
    daemonJson,
    script,
    run(options = {}) {
      const r = spawnSync(options.prefix?.[0] ?? '/bin/sh', [...(options.prefix?.slice(1) ?? []), ...(options.prefix ? ['/bin/sh'] : []), script], {
        encoding: 'utf8',
        env: { PATH: bin },
      });
      return { status: r.status, stderr: r.stderr, logged: existsSync(logged) ? readFileSync(logged, 'utf8') : '' };
    },
    fakeDockerd(validate) {
      const help = validate === 'absent' ? 'Usage: dockerd [OPTIONS]' : 'Usage: dockerd [OPTIONS]\n      --validate   Validate daemon configuration and exit';
      const answer = validate === 'reject' ? 'echo "unable to configure the Docker daemon with file $3: the following directives are not valid" >&2; exit 1' : 'echo "configuration OK"';
      writeFileSync(
        path.join(bin, 'dockerd'),
        `#!/bin/sh\nprintf '%s\\n' "$*" >> ${calls}\ncase "$1" in\n  --help) echo '${help}' ;;\n  --validate) ${answer} ;;\nesac\n`,
        { mode: 0o755 },
      );
    },
    dockerdCalls: () => (existsSync(calls) ? readFileSync(calls, 'utf8') : ''),
  };
}
