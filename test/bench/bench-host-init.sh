#!/usr/bin/env bash
# First process of a light bench host, under tini (PID 1 of the host's PID namespace), inside the
# host's own network, mount and PID namespaces (see light-lab.sh):
#
#   bench-host-init.sh fleet-bench-host NAME ADDRESS STATE_DIR
#
# It gives the host a private view of the root filesystem, configures eth0, starts sshd, writes
# HOSTDIR/ready and becomes the host's "dockerd" process. "fleet-bench-host" is the marker
# light-lab.sh recognises its hosts by (the functional lab uses its own marker).
set -euo pipefail

[ "${1:-}" = fleet-bench-host ] || { echo "usage: bench-host-init.sh fleet-bench-host NAME ADDRESS STATE_DIR" >&2; exit 2; }
readonly NAME=$2 ADDRESS=$3 STATE=$4
readonly SRC=$(cd "$(dirname "$0")" && pwd)
readonly H=$STATE/hosts/$NAME

bind() { mkdir -p "$H/$1"; mount --bind "$H/$1" "$2"; }

# Read-only overlays: /etc gets the bench layer (the deploy user, its sudo rule, the key, an empty
# resolv.conf), /usr/local/bin the docker / systemctl / dockerd stand-ins (first on every PATH).
mount -t overlay overlay -o "lowerdir=$STATE/etc-layer:/etc" /etc
mount -t overlay overlay -o "lowerdir=$SRC/bin:/usr/local/bin" /usr/local/bin
# Writable, per-host directories: whatever a tool writes stays on this host.
bind run /run
bind tmp /tmp && chmod 1777 /tmp
bind log /var/log
bind home /home
bind root /root && chmod 700 /root
bind etc-docker /etc/docker
mkdir -p /run/sshd /run/dockerd-standin /home/deploy && chmod 755 /run/sshd
chown deploy:deploy /home/deploy
printf '{\n  "log-driver": "json-file",\n  "log-opts": { "max-size": "10m" }\n}\n' >/etc/docker/daemon.json
echo '[]' >/run/dockerd-standin/mirrors.json

ip link set lo up
ip addr add "$ADDRESS/16" dev eth0
ip link set eth0 up
/usr/sbin/sshd -f "$STATE/sshd_config" -E /var/log/sshd.log
touch "$H/ready"
# The host's "dockerd" process: sleep under that name (a binary, so pidof finds it as it finds
# the real one). `dockerd --validate` callers get the stand-in in /usr/local/bin.
exec -a dockerd "$STATE/dockerd-process" infinity
