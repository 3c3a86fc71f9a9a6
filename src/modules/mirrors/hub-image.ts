// Docker Hub image names as a registry mirror knows them. Pure.

const HUB_DOMAIN = /^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//;

/** The repository as a mirror's /v2/_catalog lists it: `busybox` -> `library/busybox`; `docker.io/foo/bar:1` -> `foo/bar`. */
export function hubRepository(image: string): string {
  let name = image.replace(/@.*$/, '');
  const lastColon = name.lastIndexOf(':');
  if (lastColon > name.lastIndexOf('/')) name = name.slice(0, lastColon);
  name = name.replace(HUB_DOMAIN, '');
  return name.includes('/') ? name : `library/${name}`;
}

/** The image as pulled from a mirror by name: `busybox` -> `library/busybox:latest`; a tag or digest is kept. */
export function hubPath(image: string): string {
  const digest = /@.*$/.exec(image)?.[0];
  if (digest) return `${hubRepository(image)}${digest}`;
  const lastColon = image.lastIndexOf(':');
  return `${hubRepository(image)}${lastColon > image.lastIndexOf('/') ? image.slice(lastColon) : ':latest'}`;
}
