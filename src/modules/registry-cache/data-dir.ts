// The cache's data directory and fleet's claim on it: a `.fleet-cache` marker fleet writes when it
// creates the directory (or takes over one that is empty or holds only registry data). Only a
// marked directory is ever purged, and a directory holding anything else is never used. Pure.
import { sh } from '../../core/command.js';
import { MARKER_NAME, type DataDirFacts } from '../../facts/cache-layout.js';

export { MARKER_NAME, type DataDirFacts, type DataDirState } from '../../facts/cache-layout.js';
const MARKER_TITLE = 'fleet cache data directory: `fleet rollback --cache --purge-cache` deletes it';

export function markerContent(dataDir: string, id: string): string {
  return `${MARKER_TITLE}\npath=${dataDir}\nid=${id}\n`;
}

/** The marker fleet wrote for this very path (a marker copied or moved with its directory is not). */
export function isMarkedFor(dataDir: string, facts: DataDirFacts): boolean {
  if (facts.state === 'symlink' || facts.state === 'not-dir' || facts.state === 'absent' || facts.marker === undefined) return false;
  const [title, path, id] = facts.marker.split('\n');
  return title === MARKER_TITLE && path === `path=${dataDir}` && /^id=[0-9a-f]{32}$/.test(id ?? '');
}

/** Why fleet will not store its cache in this directory, or undefined when it may. */
export function unusableReason(dataDir: string, facts: DataDirFacts): string | undefined {
  if (isMarkedFor(dataDir, facts)) return undefined;
  switch (facts.state) {
    case 'symlink':
      return `registry_data_dir ${dataDir} is a symlink: give the directory it points to`;
    case 'not-dir':
      return `registry_data_dir ${dataDir} exists and is not a directory`;
    case 'other':
      return `registry_data_dir ${dataDir} holds files that are not registry data and was not created by fleet (no ${MARKER_NAME} marker): fleet does not take it over; choose a new directory`;
    default:
      return undefined;
  }
}

/** Why `--purge-cache` must not delete this directory, or undefined when it is fleet's own. */
export function purgeRefusal(dataDir: string, facts: DataDirFacts): string | undefined {
  if (facts.state === 'absent' || isMarkedFor(dataDir, facts)) return undefined;
  const why =
    facts.state === 'symlink' ? 'it is a symlink'
    : facts.state === 'not-dir' ? 'it is not a directory'
    : facts.marker === undefined ? `fleet did not create it (no ${MARKER_NAME} marker in it)`
    : `its ${MARKER_NAME} marker was not written by fleet for this path`;
  return `not purging ${dataDir}: ${why}; nothing was changed`;
}

/** Create the directory (root-only) if needed, and mark it as fleet's. */
export function claimDataDirScript(dataDir: string, id: string): string {
  return [
    'set -e',
    sh`D=${dataDir}`,
    `[ ! -L "$D" ] || { echo "$D is a symlink; not using it" >&2; exit 1; }`,
    '[ -d "$D" ] || mkdir -p -m 0700 -- "$D"',
    sh`M="$D"/${MARKER_NAME}`,
    // noclobber: never write through a link planted at the marker's name
    'rm -f -- "$M"',
    sh`(set -C; printf '%s' ${markerContent(dataDir, id)} > "$M")`,
  ].join('\n');
}

/** Delete the directory, checking on the host at that moment that it is still fleet's. */
export function purgeDataDirScript(dataDir: string): string {
  const [title] = markerContent(dataDir, '').split('\n');
  return [
    sh`D=${dataDir}`,
    sh`M="$D"/${MARKER_NAME}`,
    sh`if [ -L "$D" ] || [ ! -d "$D" ] || [ -L "$M" ] || [ ! -f "$M" ] || [ "$(sed -n 1p "$M")" != ${title!} ] || [ "$(sed -n 2p "$M")" != ${`path=${dataDir}`} ]; then`,
    `  echo "not purging $D: it is not the directory fleet created and marked" >&2; exit 1`,
    'fi',
    'rm -rf -- "$D"',
  ].join('\n');
}
