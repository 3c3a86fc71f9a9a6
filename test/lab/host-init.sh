#!/usr/bin/env bash
# Runs as the first process of a new lab host, under tini (PID 1 of the host's PID namespace, so
# orphaned daemons get reaped), inside the host's own network, mount, UTS and PID namespaces:
#
#   nsenter --net=/run/netns/NAME unshare --mount --propagation private --uts --pid --fork \
#     --mount-proc tini -- bash host-init.sh fleet-lab-host NAME ADDRESS HOSTDIR WITH_SSHD
#
# It builds the host's private view of the root filesystem, writes HOSTDIR/ready, and then just
# sleeps: lab.sh starts the services (sshd, dockerd, registries) with nsenter afterwards.
# "fleet-lab-host" is a marker lab.sh uses to recognise leftover hosts of any checkout.
set -euo pipefail

[ "${1:-}" = fleet-lab-host ] || { echo "usage: host-init.sh fleet-lab-host NAME ADDRESS HOSTDIR WITH_SSHD" >&2; exit 2; }
readonly NAME=$2 ADDRESS=$3 H=$4 WITH_SSHD=$5
readonly SRC=$(cd "$(dirname "$0")" && pwd)
readonly REPO=$(cd "$SRC/../.." && pwd)

# Directories that get a private, writable copy (overlay on the real one): whatever fleet writes
# there stays on this host, and H/up/ shows exactly what it wrote.
readonly OVERLAYS=(/etc /var /opt /usr/local /root /home)

# A fresh sysfs shows this namespace's network devices (dockerd needs that), but `mount -t sysfs`
# over /sys would hide the cgroup mounts dockerd also needs: move them aside and back.
fresh_sysfs() {
  mkdir -p "$H/mnt/cgroup"
  mount --rbind /sys/fs/cgroup "$H/mnt/cgroup"
  mount -t sysfs sysfs /sys
  mount --rbind "$H/mnt/cgroup" /sys/fs/cgroup
  umount -l "$H/mnt/cgroup"
}

# An empty /tmp of the host's own. The lab's files (sshd_config, keys, this script, the host
# dirs) are used by absolute path under the checkout: if the checkout itself lives under /tmp,
# put it back at the same path inside the private /tmp.
private_tmp() {
  local keep=0
  case "$REPO/" in /tmp/*) keep=1 ;; esac
  if [ "$keep" = 1 ]; then mkdir -p /run/lab-repo && mount --bind "$REPO" /run/lab-repo; fi
  bind tmp /tmp && chmod 1777 /tmp
  if [ "$keep" = 1 ]; then
    mkdir -p "$REPO" && mount --move /run/lab-repo "$REPO" && rmdir /run/lab-repo
  fi
}

mount_overlays() {
  local dir n
  for dir in "${OVERLAYS[@]}"; do
    n=${dir#/}; n=${n//\//_}
    mkdir -p "$H/up/$n" "$H/work/$n"
    mount -t overlay overlay -o "lowerdir=$dir,upperdir=$H/up/$n,workdir=$H/work/$n" "$dir"
  done
}

# Plain per-host directories on top of the overlays: docker's overlay2 storage cannot live on
# overlayfs, and /run, /tmp, logs and /etc/docker must be this host's own.
bind() { mkdir -p "$H/$1" "$2"; mount --bind "$H/$1" "$2"; }
mount_private_dirs() {
  bind run /run
  private_tmp
  bind docker /var/lib/docker
  bind containerd /var/lib/containerd
  bind containers /var/lib/containers   # Podman's storage (vfs: overlay on overlay is refused)
  bind log /var/log
  bind etc-docker /etc/docker
  mkdir -p /run/sshd /run/lock && chmod 755 /run/sshd
  mount --bind "$SRC/bin/systemctl" /usr/bin/systemctl
}

identity() {
  hostname "$NAME"
  printf '%s\n' "$NAME" >/etc/hostname
  printf '127.0.0.1 localhost\n%s %s\n' "$ADDRESS" "$NAME" >/etc/hosts
  # Empty resolver config and no default route: nothing on a lab host can reach the outside.
  rm -f /etc/resolv.conf && : >/etc/resolv.conf
  tr -d - </proc/sys/kernel/random/uuid >/etc/machine-id
  if [ -f "$SRC/defaults/$NAME.json" ]; then cp "$SRC/defaults/$NAME.json" /etc/docker/daemon.json; fi
}

# The lab key, for root and deploy. In the host's own /etc rather than read from the checkout:
# sshd's StrictModes rejects keys under a world-writable directory (a checkout in /tmp).
authorized_keys() {
  install -m 644 "$REPO/.lab/authorized_keys" /etc/ssh/lab_authorized_keys
}

# A non-root login with passwordless sudo, to test fleet's become (sudo -n).
deploy_user() {
  useradd --create-home --shell /bin/bash deploy
  usermod --password '*' deploy     # not "!": with UsePAM no, sshd refuses locked accounts
  printf 'deploy ALL=(ALL) NOPASSWD: ALL\n' >/etc/sudoers.d/deploy
  chmod 440 /etc/sudoers.d/deploy
}

fresh_sysfs
mount_overlays
mount_private_dirs
identity
if [ "$WITH_SSHD" = 1 ]; then authorized_keys && deploy_user; fi
touch "$H/ready"
exec sleep infinity
