# Lab images, built from Debian packages because the lab has no Docker Hub to pull from.
# Sourced by lab.sh. Everything lands in $CACHE (kept by `lab.sh down`) and is built only once:
#   registry-rootfs.tar  root filesystem of registry:2 (docker-registry + its libs + config)
#   busybox-rootfs.tar   root filesystem of busybox:latest (static busybox + applet links)
#   busybox-oci/         busybox as an OCI image layout, for skopeo to push into the hub
# Bump IMAGES_VERSION when the recipes change, so stale caches get rebuilt.

readonly IMAGES_VERSION=1

# Copy a dynamically linked binary and the libraries ldd says it needs into a rootfs.
copy_with_libs() {
  local bin=$1 root=$2 dest=$3 lib
  install -D -m 755 "$bin" "$root$dest"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

build_registry_rootfs() {
  local root=$1
  copy_with_libs /usr/bin/docker-registry "$root" /bin/registry
  install -D -m 644 "$LAB_SRC/config/registry-image.yml" "$root/etc/docker/registry/config.yml"
  mkdir -p "$root/var/lib/registry" "$root/tmp"
  chmod 1777 "$root/tmp"
}

build_busybox_rootfs() {
  local root=$1 applet
  mkdir -p "$root"/{bin,etc,root,tmp,var,proc,sys,dev}
  chmod 1777 "$root/tmp"
  install -m 755 /usr/bin/busybox "$root/bin/busybox"   # static (busybox-static)
  for applet in $(/usr/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

rootfs_tar() { tar -C "$1" --numeric-owner --owner=0 --group=0 -cf "$2" .; }

# Store a file as a content-addressed blob of an OCI layout; print "sha256:HEX SIZE".
oci_blob() {
  local dir=$1 file=$2 hex
  hex=$(sha256sum "$file" | cut -d' ' -f1)
  mv "$file" "$dir/blobs/sha256/$hex"
  printf 'sha256:%s %s\n' "$hex" "$(stat -c %s "$dir/blobs/sha256/$hex")"
}

# busybox as an OCI image layout (one gzip layer), so skopeo can push it without any dockerd.
build_busybox_oci() {
  local rootfs_tar=$1 dir=$2 diff_id layer_digest layer_size config_digest config_size \
    manifest_digest manifest_size
  mkdir -p "$dir/blobs/sha256"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  diff_id=sha256:$(sha256sum "$rootfs_tar" | cut -d' ' -f1)
  gzip -n -c "$rootfs_tar" >"$dir/layer"
  read -r layer_digest layer_size < <(oci_blob "$dir" "$dir/layer")
  jq -cn --arg diff "$diff_id" '{
      architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z",
      config: { Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
      rootfs: { type: "layers", diff_ids: [$diff] } }' >"$dir/config"
  read -r config_digest config_size < <(oci_blob "$dir" "$dir/config")
  jq -cn --arg cd "$config_digest" --argjson cs "$config_size" \
        --arg ld "$layer_digest" --argjson ls "$layer_size" '{
      schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs },
      layers: [ { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $ld, size: $ls } ] }' \
    >"$dir/manifest"
  read -r manifest_digest manifest_size < <(oci_blob "$dir" "$dir/manifest")
  jq -cn --arg md "$manifest_digest" --argjson ms "$manifest_size" '{
      schemaVersion: 2,
      manifests: [ { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md, size: $ms,
                     annotations: { "org.opencontainers.image.ref.name": "latest" } } ] }' \
    >"$dir/index.json"
}

# Build whatever is missing from the cache. Each artefact is built in a scratch dir and moved
# into place at the end, so an interrupted build never leaves a half-written cache.
ensure_images() {
  local stamp=$CACHE/images-v$IMAGES_VERSION
  if [ -f "$stamp" ] && [ -f "$CACHE/registry-rootfs.tar" ] && [ -f "$CACHE/busybox-rootfs.tar" ] \
      && [ -f "$CACHE/busybox-oci/index.json" ]; then
    return 0
  fi
  log "building lab images into $CACHE (once)"
  rm -rf "$CACHE" && mkdir -p "$CACHE"
  local tmp
  tmp=$(mktemp -d "$LAB/build.XXXXXX")
  build_registry_rootfs "$tmp/registry"
  rootfs_tar "$tmp/registry" "$tmp/registry-rootfs.tar"
  build_busybox_rootfs "$tmp/busybox"
  rootfs_tar "$tmp/busybox" "$tmp/busybox-rootfs.tar"
  build_busybox_oci "$tmp/busybox-rootfs.tar" "$tmp/busybox-oci"
  mv "$tmp/registry-rootfs.tar" "$tmp/busybox-rootfs.tar" "$tmp/busybox-oci" "$CACHE/"
  rm -rf "$tmp"
  touch "$stamp"
}

# `docker import` one cached rootfs into a host's dockerd, as the official image would be.
import_image() {
  local host=$1 image=$2
  case "$image" in
    registry)
      host_sh "$host" "docker import --change 'ENTRYPOINT [\"/bin/registry\"]' \
        --change 'CMD [\"serve\",\"/etc/docker/registry/config.yml\"]' \
        --change 'EXPOSE 5000' --change 'VOLUME /var/lib/registry' - registry:2 >/dev/null" \
        <"$CACHE/registry-rootfs.tar" ;;
    busybox)
      host_sh "$host" "docker import --change 'CMD [\"sh\"]' - busybox:latest >/dev/null" \
        <"$CACHE/busybox-rootfs.tar" ;;
    *) echo "unknown image $image" >&2; return 1 ;;
  esac
}

# Publish busybox on the lab's "Docker Hub" as library/busybox:latest (Docker manifest format,
# like the real Hub serves).
push_busybox_to_hub() {
  skopeo copy --quiet --insecure-policy --dest-tls-verify=false --format v2s2 \
    "oci:$CACHE/busybox-oci:latest" "docker://$HUB_ADDR/library/busybox:latest"
}
