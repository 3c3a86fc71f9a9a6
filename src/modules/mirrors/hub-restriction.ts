// Docker Hub refused by policy rather than by the network: Docker Desktop's Registry Access
// Management (RAM) blocks docker.io for a whole organisation, and Docker Hub's Image Access
// Management blocks some repositories. RAM is enforced in Docker Desktop's API proxy, before
// the daemon would ask any mirror, so a mirror that holds the image does not help: the pull
// must name the mirror itself. Pure: the text of a failed pull in, an explanation out.
import { hubPath } from './hub-image.js';

export interface HubRestriction {
  readonly kind: 'registry-access-management' | 'image-access-management';
  /** What refused the pull, said plainly, with the workaround. */
  readonly explanation: string;
}

// "Error response from daemon: Access to docker.io has been restricted by your administrators."
// (Docker's documentation of RAM with a registry mirror); the registry may be named as the
// daemon resolved it (registry-1.docker.io, index.docker.io).
const RAM = /access to (\S+?) (?:has been|is) restricted by your administrators?/i;
// `denied: image access restricted: mysql/mysql-server blocked for organization X` (Hub's IAM).
const IAM = /image access restricted: (\S+) (?:is )?blocked for organi[sz]ation/i;

/** Why a failed `docker pull` was refused by policy, or undefined when it was not. */
export function hubRestriction(pullError: string, image: string, mirrors: readonly string[]): HubRestriction | undefined {
  const workaround = mirrorWorkaround(image, mirrors);
  const ram = RAM.exec(pullError);
  if (ram) {
    return {
      kind: 'registry-access-management',
      explanation: `Docker Desktop's Registry Access Management blocks ${ram[1]} on this host ("${ram[0]}"): ` +
        `it refuses Docker Hub images before any registry mirror is asked, even when the mirror holds the image. ${workaround}, ` +
        'or ask the organisation owner to allow docker.io',
    };
  }
  const iam = IAM.exec(pullError);
  if (iam) {
    return {
      kind: 'image-access-management',
      explanation: `Docker Hub's Image Access Management blocks ${iam[1]} for this host's organisation ("${iam[0]}"). ${workaround}, ` +
        'or ask the organisation owner to allow that kind of image',
    };
  }
  return undefined;
}

/** `docker pull MIRROR_HOST/library/busybox` then `docker tag` it back to the Hub name. */
function mirrorWorkaround(image: string, mirrors: readonly string[]): string {
  const mirrorHost = mirrors[0]?.replace(/^https?:\/\//, '') ?? 'MIRROR_HOST';
  const path = hubPath(image);
  return `Pull through the mirror by name and retag: docker pull ${mirrorHost}/${path} && docker tag ${mirrorHost}/${path} ${image}` +
    (mirrors[0]?.startsWith('http://') ? ` (an http mirror must also be in the daemon's insecure-registries)` : '');
}
