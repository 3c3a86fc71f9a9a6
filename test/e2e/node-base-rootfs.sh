#!/usr/bin/env bash
# A stand-in for the node:20-slim base image, built from this machine (there is no Docker Hub in
# the lab): this node and its libraries, its npm, a static busybox for /bin/sh and the usual
# tools, and a copy of the local npm cache, which the image's `npm ci` reads offline (the
# import sets NPM_CONFIG_CACHE and NPM_CONFIG_OFFLINE). Usage: node-base-rootfs.sh ROOT NPM_CACHE
set -euo pipefail
root=$1 cache=$2
node=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")

mkdir -p "$root"/{bin,etc,root,tmp,usr/bin,usr/lib/node_modules,usr/local/bin,proc,sys,dev}
chmod 1777 "$root/tmp"
install -m 755 "$node" "$root/usr/bin/node"
for lib in $(ldd "$node" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
install -m 755 "$(command -v busybox)" "$root/bin/busybox"
for applet in $(busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
ln -s ../../bin/busybox "$root/usr/bin/env"   # shebangs say /usr/bin/env
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
mkdir -p "$root/npm-cache"
cp -a "$cache/_cacache" "$root/npm-cache/_cacache"
