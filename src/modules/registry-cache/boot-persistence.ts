// Keeping the firewall across boots: a docker.service drop-in runs the firewall script before
// dockerd starts. dockerd starts a --restart=always container during its own start, before any unit
// ordered after docker.service runs, so only this keeps the port from being published unprotected.
// It replaces the unit older versions of fleet installed. Pure: file contents and scripts.
import { render } from '../../core/templates.js';
import { DOCKER_DROPIN, LEGACY_UNIT, LEGACY_UNIT_LINK, LEGACY_UNIT_PATH, LOADED_DOCKER_DROPINS } from '../../facts/cache-layout.js';
import { FIREWALL_SCRIPT } from './firewall.js';
import { removeContainerScript } from './spec.js';

export { DOCKER_DROPIN, LEGACY_UNIT, LEGACY_UNIT_LINK, LEGACY_UNIT_PATH, LOADED_DOCKER_DROPINS } from '../../facts/cache-layout.js';

export function dockerDropIn(): string {
  return render('fleet-mirror-firewall.conf', { scriptPath: FIREWALL_SCRIPT });
}

/**
 * `systemctl daemon-reload`, then proof that docker.service loaded the drop-in. Where either fails
 * (no systemd as PID 1, Docker not run by docker.service), the rules would be missing when dockerd
 * starts the container at the next boot: the mirror container is removed (its data stays) and the
 * host fails, rather than serving a port that a reboot would open to everyone.
 */
export function loadDropInScript(): string {
  const fail = (why: string) =>
    `{ ${removeContainerScript()}; echo "${why}: the mirror container is not run on this host, since after a reboot dockerd would publish its port before the firewall exists (its data is kept); fix that, then apply again" >&2; exit 1; }`;
  return [
    `command -v systemctl >/dev/null 2>&1 || ${fail('no systemctl to install the boot-time firewall')}`,
    `systemctl daemon-reload || ${fail('systemctl daemon-reload failed')}`,
    `case " $(${LOADED_DOCKER_DROPINS}) " in *" ${DOCKER_DROPIN} "*) ;; *) ${fail('docker.service did not load the drop-in (is Docker run by systemd as docker.service?)')} ;; esac`,
  ].join('\n');
}

export function legacyUnitRemovalScript(): string {
  return [
    `if command -v systemctl >/dev/null 2>&1; then systemctl disable ${LEGACY_UNIT} >/dev/null 2>&1 || true; fi`,
    `rm -f ${LEGACY_UNIT_PATH} ${LEGACY_UNIT_LINK}`,
    'if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload >/dev/null 2>&1 || true; fi',
  ].join('\n');
}

/** Remove the drop-in, and make systemd forget it; the script it runs stays until it has. */
export function unloadDropInScript(): string {
  return [
    `rm -f ${DOCKER_DROPIN}`,
    'if command -v systemctl >/dev/null 2>&1; then',
    `  systemctl daemon-reload || { echo "systemctl daemon-reload failed: systemd still runs ${FIREWALL_SCRIPT} at docker start, so it is kept" >&2; exit 1; }`,
    'fi',
  ].join('\n');
}
