// GET /v2/ probes run inside a facts command, on the host itself: with curl, else wget. Each
// probe emits `probe.<id>=<tool> <exit> <http code>`, parsed back by parseProbe.
import { sh } from '../core/command.js';

export interface MirrorProbe {
  readonly url: string;
  readonly ok: boolean;
  /** e.g. "HTTP 200 via curl", "no answer via curl (exit 7: connection refused or unreachable)". */
  readonly detail: string;
  /** Nothing could probe: the host has neither curl nor wget. */
  readonly unprobed?: true;
}

const PROBE_TIMEOUT_S = 5;

/** The shell function the probe calls use; put it once in a facts script. */
export const PROBE_FUNCTION = `probe() {
  if command -v curl >/dev/null 2>&1; then
    CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time ${PROBE_TIMEOUT_S} "$2"); RC=$?
    emit "probe.$1" "curl $RC $CODE"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O /dev/null -T ${PROBE_TIMEOUT_S} "$2"; emit "probe.$1" "wget $? -"
  else
    emit "probe.$1" "none - -"
  fi
}`;

/** One shell line probing `url`, reported under `probe.<id>`. */
export function probeCall(id: string, url: string): string {
  return sh`probe ${id} ${url}`;
}

export function parseProbe(url: string, raw: string | undefined): MirrorProbe {
  const [tool, rc, code] = (raw ?? 'none - -').split(' ');
  if (tool === 'curl') {
    if (rc === '0' && code === '200') return { url, ok: true, detail: 'HTTP 200 via curl' };
    return { url, ok: false, detail: rc === '0' ? `HTTP ${code} via curl` : `no answer via curl (exit ${rc}${curlHint(rc)})` };
  }
  if (tool === 'wget') {
    return rc === '0' ? { url, ok: true, detail: 'HTTP 2xx via wget' } : { url, ok: false, detail: `no answer via wget (exit ${rc})` };
  }
  return { url, ok: false, unprobed: true, detail: 'cannot probe: the host has neither curl nor wget' };
}

function curlHint(rc: string | undefined): string {
  const hints: Record<string, string> = { '6': ': cannot resolve host', '7': ': connection refused or unreachable', '28': ': timed out' };
  return hints[rc ?? ''] ?? '';
}
