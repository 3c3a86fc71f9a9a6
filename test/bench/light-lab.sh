#!/usr/bin/env bash
# The benchmark's lab: N light hosts, each with a real OpenSSH sshd in its own network, mount and
# PID namespaces, and stand-ins for docker / systemctl / dockerd (bin/) that answer from the
# host's own /etc/docker/daemon.json. Root needed. Separate from the functional lab
# (test/lab/lab.sh): its own bridge, subnet, namespace and veth names, marker and state dir.
#
#   light-lab.sh up N       tear down leftovers of this lab, then start N hosts and the mirror
#   light-lab.sh down       stop and remove everything this lab started
#   light-lab.sh state-dir  print the directory of the lab's state (see STATE below)
#
# Hosts fb-1..fb-N at 10.78.<i/250+1>.<i%250+1> on bridge fleetbench0 (10.78.0.1/16; at most
# 1000 hosts: a bridge takes 1024 ports). The "mirror" fb-mirror (10.78.0.2:80) is a tiny HTTP
# server (mirror.mjs) answering GET /v2/ with 200. Logins: root and `deploy` (NOPASSWD sudo) with the bench key.
# sshd runs with MaxStartups 100:30:200 (raised for scale; fleet opens one connection per host
# and bounds handshakes per server anyway). State: /var/lib/fleet-bench-lab (hosts.json,
# known_hosts, keys, each host's directories), or $FLEET_BENCH_STATE.
set -euo pipefail
umask 022

readonly SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Not in the checkout: a host mounts private copies over /tmp, /home, /root, /run and /var/log and
# overlays /etc and /usr/local/bin, so state under those (where most clones live) would be hidden
# inside the hosts that read it. /var/lib is the same inside a host as outside.
readonly STATE=${FLEET_BENCH_STATE:-/var/lib/fleet-bench-lab}
readonly SHADOWED=(/etc /usr/local/bin /run /tmp /var/log /home /root)
readonly BRIDGE=fleetbench0
readonly BRIDGE_ADDR=10.78.0.1/16
readonly MIRROR_NS=fb-mirror
readonly MIRROR_ADDR=10.78.0.2
readonly MARKER=fleet-bench-host
readonly MAX_HOSTS=1000
readonly PARALLEL=${FLEET_BENCH_LAB_PARALLEL:-32}
# Every host process runs in this cpuacct cgroup, so the benchmark can tell the hosts' CPU time
# (sshd, sudo, the commands) from the control node's.
readonly HOSTS_CGROUP=/sys/fs/cgroup/cpuacct/fleet-bench-hosts

START_MS=$(($(date +%s%N) / 1000000))
log() {
  local ms=$(($(date +%s%N) / 1000000 - START_MS))
  printf '[bench-lab %3d.%01ds] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*" >&2
}
die() { printf 'light-lab: %s\n' "$*" >&2; exit 1; }

address() { echo "10.78.$(($1 / 250 + 1)).$(($1 % 250 + 1))"; }

# ---------------------------------------------------------------- teardown
# Processes of this lab: every process whose command line carries the marker (each host's
# nsenter/unshare launcher and its tini; killing tini, PID 1 of the host, kills the whole host),
# and whatever runs in the mirror's namespace.
lab_pids() {
  local d
  for d in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -qF "bench-host-init.sh $MARKER " && echo "${d#/proc/}"
  done
  ip netns pids "$MIRROR_NS" 2>/dev/null || true
}

teardown() {
  local pids n=0
  pids=$(lab_pids | sort -u | xargs)
  if [ -n "$pids" ]; then
    kill -KILL $pids 2>/dev/null || true
    while [ $n -lt 100 ] && pids=$(for p in $pids; do [ -e /proc/$p ] && ! grep -q '^State:[[:space:]]*Z' /proc/$p/status 2>/dev/null && echo $p; done) && [ -n "$pids" ]; do
      sleep 0.1; n=$((n + 1))
    done
  fi
  # Delete the veths before the namespaces (deleting one end removes the pair at once).
  { ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^fbv[0-9]+$' | sed 's/^/link del /'
    ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^fb-([0-9]+|mirror)$' | sed 's/^/netns del /'
  } | ip -force -batch - 2>/dev/null || true
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; fi
  while iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; do
    iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  done
  restore_neigh_limits
  [ ! -d "$HOSTS_CGROUP" ] || rmdir "$HOSTS_CGROUP" 2>/dev/null || true
  rm -rf "$STATE/hosts" "$STATE/hosts.json" "$STATE/known_hosts" "$STATE/etc-layer"
}

# ARP table limits of the root namespace: 1000 hosts on one bridge exceed the default gc_thresh3
# (1024) together with the machine's other neighbours. Raised while the lab is up, restored after.
raise_neigh_limits() {
  local t
  [ -f "$STATE/neigh.orig" ] || for t in 1 2 3; do
    echo "$t $(sysctl -n net.ipv4.neigh.default.gc_thresh$t)"
  done >"$STATE/neigh.orig"
  sysctl -qw net.ipv4.neigh.default.gc_thresh1=4096 net.ipv4.neigh.default.gc_thresh2=8192 \
    net.ipv4.neigh.default.gc_thresh3=16384
}
restore_neigh_limits() {
  local t v
  [ -f "$STATE/neigh.orig" ] || return 0
  while read -r t v; do sysctl -qw "net.ipv4.neigh.default.gc_thresh$t=$v"; done <"$STATE/neigh.orig"
  rm -f "$STATE/neigh.orig"
}

# ---------------------------------------------------------------- setup
preflight() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  local tool
  for tool in ip iptables nsenter unshare tini sshd ssh-keygen jq node sudo curl python3; do
    command -v "$tool" >/dev/null || die "missing '$tool' (run: bash test/bench/install-deps.sh)"
  done
  local dir
  [[ "$STATE" == /* ]] || die "FLEET_BENCH_STATE must be an absolute path (got '$STATE')"
  for dir in "${SHADOWED[@]}"; do
    case "$STATE/" in "$dir"/*) die "the state directory $STATE is under $dir, which every bench host hides behind its own copy: choose another FLEET_BENCH_STATE (default /var/lib/fleet-bench-lab)" ;; esac
  done
}

ensure_keys() {
  mkdir -p "$STATE"
  [ -f "$STATE/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C fleet-bench-host -f "$STATE/ssh_host_ed25519_key"
  [ -f "$STATE/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C fleet-bench -f "$STATE/id_ed25519"
  chmod 600 "$STATE/ssh_host_ed25519_key" "$STATE/id_ed25519"
}

write_sshd_config() {
  cat >"$STATE/sshd_config" <<CONF
# sshd of every light bench host (PidFile is per host because /run is).
Port 22
HostKey $STATE/ssh_host_ed25519_key
AuthorizedKeysFile /etc/ssh/bench_authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile /run/sshd.pid
PrintMotd no
PrintLastLog no
UseDNS no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
# Raised for scale runs (OpenSSH's default is 10:30:100).
MaxStartups 100:30:200
CONF
}

# What every host sees over the real /etc: a `deploy` user with NOPASSWD sudo, the bench key, and
# an empty resolver config (no host may reach the outside).
write_etc_layer() {
  local l=$STATE/etc-layer uid=2999
  rm -rf "$l" && mkdir -p "$l/ssh" "$l/sudoers.d" "$l/docker"
  cp /etc/passwd /etc/group /etc/shadow "$l/"
  grep -q '^deploy:' "$l/passwd" || echo "deploy:x:$uid:$uid:fleet bench:/home/deploy:/bin/bash" >>"$l/passwd"
  grep -q '^deploy:' "$l/group" || echo "deploy:x:$uid:" >>"$l/group"
  grep -q '^deploy:' "$l/shadow" || echo "deploy:*:19000:0:99999:7:::" >>"$l/shadow"
  chmod 640 "$l/shadow"; chgrp shadow "$l/shadow" 2>/dev/null || true
  printf 'deploy ALL=(ALL) NOPASSWD: ALL\n' >"$l/sudoers.d/fleet-bench-deploy"
  chmod 440 "$l/sudoers.d/fleet-bench-deploy"
  install -m 644 "$STATE/id_ed25519.pub" "$l/ssh/bench_authorized_keys"
  ln -sfn "$(command -v sleep)" "$STATE/dockerd-process"
  : >"$l/resolv.conf"
}

setup_bridge() {
  ip link add "$BRIDGE" type bridge
  ip addr add "$BRIDGE_ADDR" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # A dockerd on the root namespace leaves FORWARD at DROP with br_netfilter on.
  iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null \
    || iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
}

# All namespaces and veths in one `ip -batch` (a few ms per host instead of a process each).
setup_links() {
  local n=$1 i
  {
    echo "netns add $MIRROR_NS"
    echo "link add fbv0 type veth peer name eth0 netns $MIRROR_NS"
    echo "link set fbv0 master $BRIDGE up"
    for ((i = 1; i <= n; i++)); do
      echo "netns add fb-$i"
      echo "link add fbv$i type veth peer name eth0 netns fb-$i"
      echo "link set fbv$i master $BRIDGE up"
    done
  } | ip -batch -
}

start_mirror() {
  ip -n "$MIRROR_NS" link set lo up
  ip -n "$MIRROR_NS" addr add "$MIRROR_ADDR/16" dev eth0
  ip -n "$MIRROR_NS" link set eth0 up
  (
    [ ! -d "$HOSTS_CGROUP" ] || echo "$BASHPID" >"$HOSTS_CGROUP/cgroup.procs"
    exec setsid nsenter --net="/run/netns/$MIRROR_NS" node "$SRC/mirror.mjs" "$MIRROR_ADDR" 80
  ) </dev/null >"$STATE/mirror.log" 2>&1 &
}

# One host: its namespaces and init (which starts sshd); returns once the host is ready.
start_host() {
  local i=$1 name=fb-$1 addr h=$STATE/hosts/fb-$1 k
  addr=$(address "$i")
  mkdir -p "$h"
  [ ! -d "$HOSTS_CGROUP" ] || echo "$BASHPID" >"$HOSTS_CGROUP/cgroup.procs"
  setsid nsenter --net="/run/netns/$name" unshare --mount --propagation private --pid --fork --mount-proc \
    tini -s -- bash "$SRC/bench-host-init.sh" "$MARKER" "$name" "$addr" "$STATE" \
    </dev/null >"$h/init.log" 2>&1 &
  for ((k = 0; k < 300; k++)); do
    [ -e "$h/ready" ] && return 0
    kill -0 $! 2>/dev/null || break
    sleep 0.1
  done
  echo "$name failed to start:" >&2; cat "$h/init.log" >&2
  return 1
}

write_descriptions() {
  local n=$1 key i
  key=$(cut -d' ' -f1,2 "$STATE/ssh_host_ed25519_key.pub")
  for ((i = 1; i <= n; i++)); do echo "$(address "$i") $key"; done >"$STATE/known_hosts"
  for ((i = 1; i <= n; i++)); do printf 'fb-%d %s\n' "$i" "$(address "$i")"; done \
    | jq -R -s --arg key "$STATE/id_ed25519" --arg kh "$STATE/known_hosts" --arg mirror "http://$MIRROR_ADDR" --arg bridge "${BRIDGE_ADDR%/*}" \
        --arg cg "$([ -d "$HOSTS_CGROUP" ] && echo "$HOSTS_CGROUP")" '
        { keyFile: $key, hostsCgroup: $cg, knownHosts: $kh, mirrorUrl: $mirror, bridgeAddress: $bridge, sudoUser: "deploy", light: true,
          hosts: [ split("\n")[] | select(. != "") | split(" ") | { name: .[0], address: .[1] } ] }' \
    >"$STATE/hosts.json"
}

cmd_up() {
  local n=${1:-} k
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le $MAX_HOSTS ] || die "usage: light-lab.sh up N (1..$MAX_HOSTS)"
  preflight
  teardown
  log "leftovers torn down"
  ensure_keys
  write_sshd_config
  write_etc_layer
  raise_neigh_limits
  setup_bridge
  setup_links "$n"
  log "bridge, $n namespaces and veths ready"
  if [ -d "${HOSTS_CGROUP%/*}" ]; then mkdir -p "$HOSTS_CGROUP"; fi
  start_mirror
  export -f start_host address
  export STATE SRC MARKER HOSTS_CGROUP
  if ! seq 1 "$n" | xargs -P "$PARALLEL" -I{} bash -c 'start_host {}'; then
    log "some hosts failed to start; tearing down"
    teardown
    exit 1
  fi
  for ((k = 0; k < 50; k++)); do curl -fsS --noproxy '*' --max-time 1 -o /dev/null "http://$MIRROR_ADDR/v2/" 2>/dev/null && break; sleep 0.1; done
  curl -fsS --noproxy '*' --max-time 5 -o /dev/null "http://$MIRROR_ADDR/v2/" || die "the mirror does not answer"
  write_descriptions "$n"
  log "bench lab up: $n hosts ($(free -m | awk '/^Mem:/ {print $3}') MB used on the machine)"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) [ "$(id -u)" = 0 ] || die "must run as root"; teardown; log "bench lab down" ;;
  state-dir) echo "$STATE" ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
