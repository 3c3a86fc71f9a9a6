// What `fleet check` reports about a host: one difference between the inventory and the host.

/**
 * drift: the host differs from the inventory (exit bit 2);
 * error: the check could not be completed on the host, e.g. dockerd down (exit bit 4);
 * warning: worth knowing, not drift (e.g. the cache disk filling up).
 */
export type FindingSeverity = 'drift' | 'error' | 'warning';

export interface Finding {
  /** Stable identifier for alert rules and scripts, e.g. "daemon-json-mirrors". */
  readonly kind: string;
  readonly severity: FindingSeverity;
  /** What was looked at, e.g. "registry-mirrors in /etc/docker/daemon.json". */
  readonly subject: string;
  readonly expected: string;
  readonly found: string;
  /** How to put it right. */
  readonly fix: string;
}

export function formatFinding(finding: Finding): string {
  return `${finding.severity.toUpperCase()} ${finding.kind}: ${finding.subject}: expected ${finding.expected}, found ${finding.found}`;
}
