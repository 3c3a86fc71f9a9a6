#!/usr/bin/env bash
# The lab: a small, real fleet for fleet's end-to-end tests, on one Linux machine (root needed).
#
#   lab.sh up                 tear down any leftovers, then build (once) and start the lab
#   lab.sh down               stop everything; keeps .lab/cache (images) and the lab's keys
#   lab.sh status             health of every host; exit 0 only if all are healthy
#   lab.sh exec HOST -- CMD…  run CMD inside HOST (stdin passed through, exit code kept)
#   lab.sh reboot HOST…       simulate a reboot of HOST: dockerd stopped, every iptables rule
#                             gone, systemd state forgotten, then docker started as at boot
#                             (drop-ins, wanted units, containers with a restart policy)
#   lab.sh reset HOST…        put HOST back to its default docker state (daemon.json, no
#                             containers/volumes, DOCKER-USER flushed, dockerd restarted); on
#                             Podman and containerd hosts: default configuration, no images
#
# Every host is a set of namespaces (network, mount, UTS, PID) with a veth on the bridge
# fleetbr0 (10.77.0.1/16), a private overlay copy of /etc /var /opt /usr/local /root /home, and
# real sshd / dockerd / registry processes. No host has a default route or a DNS resolver.
# State lives in .lab/ (gitignored): lab.json and inventory.yml describe the running lab.
set -euo pipefail
umask 022

readonly LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly REPO=$(cd "$LAB_SRC/../.." && pwd)
readonly LAB=$REPO/.lab
readonly CACHE=$LAB/cache
readonly HOSTS_DIR=$LAB/hosts
readonly BRIDGE=fleetbr0
readonly BRIDGE_ADDR=10.77.0.1/16
readonly PREFIX_LEN=16
readonly HUB_ADDR=10.77.0.2:5000
readonly MIRROR_URL=http://10.77.0.3
readonly SERVICE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Set e.g. FLEET_LAB_MAX_STARTUPS=500:30:1000 for scale benchmarks; by default sshd keeps
# OpenSSH's own MaxStartups (10:30:100), like a real server.
readonly MAX_STARTUPS=${FLEET_LAB_MAX_STARTUPS:-}

# The fleet. Add a line to add a host.
#   services: sshd, docker (real dockerd), hub (plain registry :5000), mirror (proxy registry :80),
#             podman (rootful Podman, vfs storage, `docker` answered by podman as podman-docker
#             does), containerd (a containerd of the host's own, no dockerd)
#   group:    Ansible inventory group ("-" for none). Hosts outside `cache` and `clients` are
#             not in the inventories the e2e tests apply to unless a test adds them.
#   images:   rootfs images imported into the host's dockerd ("-" for none)
readonly HOST_TABLE="
# name      address     services       group     images
hub         10.77.0.2   hub            -         -
mirror      10.77.0.3   mirror         -         -
cache-1     10.77.1.1   sshd,docker    cache     registry,busybox
client-1    10.77.2.1   sshd,docker    clients   busybox
client-2    10.77.2.2   sshd,docker    clients   busybox
client-3    10.77.2.3   sshd,docker    clients   busybox
client-podman     10.77.2.10  sshd,podman      podman_clients      -
client-containerd 10.77.2.11  sshd,containerd  containerd_clients  -
cache-2     10.77.1.2   sshd,docker    spare_caches  registry,busybox
outsider    10.77.3.1   sshd           -         -
"

# shellcheck source=lib/images.sh
source "$LAB_SRC/lib/images.sh"

# ---------------------------------------------------------------- helpers
START_MS=$(($(date +%s%N) / 1000000))
log() {
  local ms=$(($(date +%s%N) / 1000000 - START_MS))
  printf '[lab %3d.%02ds] %s\n' $((ms / 1000)) $((ms % 1000 / 10)) "$*" >&2
}
die() { printf 'lab: %s\n' "$*" >&2; exit 1; }

host_lines() { grep -v '^[[:space:]]*\(#\|$\)' <<<"$HOST_TABLE"; }
host_names() { host_lines | awk '{print $1}'; }
host_field() { host_lines | awk -v n="$1" -v f="$2" '$1 == n { print $f }'; }  # 2 addr 3 svc 4 grp 5 img
has_service() { [[ ",$(host_field "$1" 3)," == *",$2,"* ]]; }
known_host() { [ -n "$(host_field "$1" 2)" ] || die "unknown host '$1' (hosts: $(host_names | xargs))"; }

# Outer PID of the host's init (tini, PID 1 inside the host): what nsenter -t needs.
host_pid() {
  local pid
  pid=$(cat "$HOSTS_DIR/$1/pid" 2>/dev/null) || return 1
  is_lab_init "$pid" "$1 " && printf '%s' "$pid"
}
is_lab_init() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF "host-init.sh fleet-lab-host ${2:-}"; }
# Gone, or a zombie nobody reaped yet (it holds no namespaces any more).
is_gone() { [ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# Run a shell script inside a host: its network, mount, UTS and PID namespaces, a clean
# environment like an SSH login gets, cwd /. Stdin is passed through.
host_sh() {
  local pid
  pid=$(host_pid "$1") || die "host $1 is not running (try: lab.sh up)"
  nsenter -t "$pid" -n -m -u -p -- env -i -C / PATH="$SERVICE_PATH" HOME=/root LANG=C.UTF-8 \
    sh -c "$2"
}

wait_for() {  # wait_for SECONDS DESCRIPTION CMD...: poll CMD every 0.1 s
  local seconds=$1 what=$2 i
  shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "timed out after ${seconds}s waiting for $what"
  return 1
}

http_ok() { curl -fsS --noproxy '*' --max-time 2 -o /dev/null "$1"; }

# ---------------------------------------------------------------- teardown
# Processes of a host: everything in its network namespace (incl. the unshare/nsenter parents
# outside its PID namespace), plus its recorded init PID. Killing the init (PID 1 of the host's
# PID namespace) makes the kernel kill every process of the host, dockerd's containers included;
# its mount namespace, with all overlays and bind mounts, then disappears by itself.
kill_host() {
  local name=$1 pids pid
  pids=$(ip netns pids "$name" 2>/dev/null || true)
  pid=$(cat "$HOSTS_DIR/$name/pid" 2>/dev/null || true)
  if [ -n "$pid" ] && is_lab_init "$pid" "$name "; then pids="$pids $pid"; fi
  [ -n "${pids// /}" ] || return 0
  kill -KILL $pids 2>/dev/null || true
  for pid in $pids; do
    wait_for 10 "pid $pid of $name to exit" is_gone "$pid" || true
  done
}

# Inits of lab hosts whose network namespace is gone (e.g. another checkout's lab, or a manual
# `ip netns del`): recognised by the marker on their command line.
stray_inits() {
  local d
  for d in /proc/[0-9]*; do
    [ "$(cat "$d/comm" 2>/dev/null)" = tini ] && is_lab_init "${d#/proc/}" && echo "${d#/proc/}"
  done
  return 0
}

teardown() {
  local names name pids pid
  # This checkout's hosts, plus the table's names (a lab left by another checkout uses them too).
  names=$( { host_names; ls "$HOSTS_DIR" 2>/dev/null || true; } | sort -u)
  for name in $names; do kill_host "$name" & done
  wait
  pids=$(stray_inits)
  if [ -n "$pids" ]; then
    log "killing stray lab hosts: $pids"
    kill -KILL $pids 2>/dev/null || true
    for pid in $pids; do wait_for 10 "stray host $pid to exit" is_gone "$pid" || true; done
  fi
  # Delete the veths before their namespaces: deleting one end removes the pair at once, while
  # a namespace is destroyed asynchronously and its veth could still hold the name at the next up.
  for name in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^flv[0-9]+$'); do
    ip link del "$name" 2>/dev/null || true
  done
  for name in $names; do
    [ -e "/run/netns/$name" ] && ip netns del "$name" 2>/dev/null || true
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; fi
  while iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; do
    iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  done
  # Nothing of the lab is mounted in the root namespace; this only catches accidents.
  findmnt -rn -o TARGET | grep "^$LAB/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$HOSTS_DIR" "$LAB/lab.json" "$LAB/inventory.yml" "$LAB/known_hosts" "$LAB"/build.*
}

# ---------------------------------------------------------------- setup
preflight() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  local tool
  for tool in ip iptables nsenter unshare tini sshd dockerd docker docker-registry skopeo jq curl \
      sudo useradd ssh-keygen; do
    command -v "$tool" >/dev/null || die "missing '$tool' (see .ci/run for the packages)"
  done
  # Host state must not sit under a directory the hosts overlay (overlay2 can't nest on it).
  case "$LAB/" in /etc/* | /var/* | /opt/* | /usr/local/* | /root/* | /home/* | /run/*)
    die "the repository must not live under /etc /var /opt /usr/local /root /home or /run ($REPO)" ;;
  esac
}

# One host key for every host (so one known_hosts line per address) and the lab's client key.
ensure_keys() {
  mkdir -p "$LAB"
  [ -f "$LAB/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C fleet-lab-host -f "$LAB/ssh_host_ed25519_key"
  [ -f "$LAB/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C fleet-lab -f "$LAB/id_ed25519"
  chmod 600 "$LAB/ssh_host_ed25519_key" "$LAB/id_ed25519"
  install -m 644 "$LAB/id_ed25519.pub" "$LAB/authorized_keys"
}

write_sshd_config() {
  {
    echo "# sshd of every lab host (one file; PidFile is per host because /run is)."
    echo "Port 22"
    echo "HostKey $LAB/ssh_host_ed25519_key"
    echo "# host-init.sh copies $LAB/authorized_keys there (sshd's StrictModes dislikes /tmp)"
    echo "AuthorizedKeysFile /etc/ssh/lab_authorized_keys"
    echo "PermitRootLogin prohibit-password"
    echo "PasswordAuthentication no"
    echo "KbdInteractiveAuthentication no"
    echo "UsePAM no"
    echo "PidFile /run/sshd.pid"
    echo "PrintMotd no"
    echo "AcceptEnv LANG LC_*"
    echo "Subsystem sftp /usr/lib/openssh/sftp-server"
    [ -z "$MAX_STARTUPS" ] || echo "MaxStartups $MAX_STARTUPS"
  } >"$LAB/sshd_config"
}

setup_bridge() {
  ip link add "$BRIDGE" type bridge
  ip addr add "$BRIDGE_ADDR" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # A dockerd that ever ran on the root namespace leaves FORWARD at DROP with br_netfilter on,
  # which would drop traffic between the hosts on the bridge.
  iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null \
    || iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
}

# Network namespace with one veth into the bridge; on-link /16 only, no default route.
setup_netns() {
  local name=$1 addr=$2 idx=$3 veth="flv$3"
  ip netns add "$name"
  ip link add "$veth" type veth peer name eth0 netns "$name"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$name" link set lo up
  ip -n "$name" addr add "$addr/$PREFIX_LEN" dev eth0
  ip -n "$name" link set eth0 up
}

# Start the host's namespaces and init; record the init's outer PID once host-init.sh is done.
start_init() {
  local name=$1 addr=$2 h=$HOSTS_DIR/$1 sshd=0 pid
  has_service "$name" sshd && sshd=1
  mkdir -p "$h"
  # Not `ip netns exec`: it remounts /sys, hiding the cgroup mounts dockerd needs.
  setsid nsenter --net="/run/netns/$name" \
    unshare --mount --propagation private --uts --pid --fork --mount-proc \
    tini -- bash "$LAB_SRC/host-init.sh" fleet-lab-host "$name" "$addr" "$h" "$sshd" \
    </dev/null >"$h/init.log" 2>&1 &
  wait_for 15 "$name to initialise" init_finished "$h" $! || true
  [ -e "$h/ready" ] || { log "$name: host-init.sh failed:"; cat "$h/init.log" >&2; return 1; }
  for pid in $(ip netns pids "$name"); do
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = tini ] && is_lab_init "$pid" "$name "; then
      echo "$pid" >"$h/pid"
      return 0
    fi
  done
  log "$name: its init process is missing"
  return 1
}

init_finished() { [ -e "$1/ready" ] || is_gone "$2"; }  # HOSTDIR LAUNCHER_PID

start_sshd() {
  host_sh "$1" "/usr/sbin/sshd -f '$LAB/sshd_config' -E /var/log/sshd.log"
}

start_docker() {
  local name=$1 image
  host_sh "$name" "systemctl start docker" || { host_sh "$name" "tail -n 20 /var/log/dockerd.log" >&2; return 1; }
  for image in $(host_field "$name" 5 | tr , ' '); do
    [ "$image" = - ] || import_image "$name" "$image"
  done
}

start_registry() {  # start_registry HOST CONFIG URL
  host_sh "$1" "setsid -f docker-registry serve '$LAB_SRC/config/$2' </dev/null >>/var/log/registry.log 2>&1"
  wait_for 10 "registry on $1" http_ok "$3/v2/"
}

# The other runtimes' default configuration: the machine's own /etc/containers or /etc/containerd
# (as the packages installed them) plus the lab's storage or daemon settings. Restored by reset.
podman_defaults() {
  tar -C /etc -c containers | host_sh "$1" "
    set -e
    rm -rf /etc/containers && tar -C /etc -x
    cp '$LAB_SRC/config/podman-storage.conf' /etc/containers/storage.conf"
}

containerd_defaults() {
  tar -C /etc -c containerd | host_sh "$1" "
    set -e
    rm -rf /etc/containerd && tar -C /etc -x
    cp '$LAB_SRC/config/containerd.toml' /etc/containerd/config.toml"
}

# Podman has no daemon; `docker` on the host answers as Podman, as with the podman-docker package.
start_podman() {
  podman_defaults "$1"
  host_sh "$1" "
    for d in /usr/bin/docker /usr/local/bin/docker; do
      [ ! -e \$d ] || mount --bind '$LAB_SRC/bin/docker-podman' \$d
    done
    podman info >/dev/null"
}

# The systemctl stand-in runs the host's own containerd when /run/lab-containerd exists (on the
# docker hosts, containerd is dockerd's own and answers with it).
start_containerd() {
  containerd_defaults "$1"
  host_sh "$1" "touch /run/lab-containerd && systemctl start containerd" \
    || { host_sh "$1" "tail -n 20 /var/log/containerd.log" >&2; return 1; }
}

start_host() {
  local name=$1 addr=$2 idx=$3 t0=$SECONDS
  setup_netns "$name" "$addr" "$idx"
  start_init "$name" "$addr"
  if has_service "$name" sshd; then start_sshd "$name"; fi
  if has_service "$name" docker; then start_docker "$name"; fi
  if has_service "$name" podman; then start_podman "$name"; fi
  if has_service "$name" containerd; then start_containerd "$name"; fi
  if has_service "$name" hub; then
    start_registry "$name" hub.yml "http://$HUB_ADDR"
    push_busybox_to_hub
  fi
  if has_service "$name" mirror; then
    # A registry in proxy mode asks its upstream for auth challenges at startup and panics
    # if it gets no answer: the hub must be serving first.
    wait_for 20 "the hub (needed by the mirror)" http_ok "http://$HUB_ADDR/v2/"
    start_registry "$name" mirror.yml "$MIRROR_URL"
  fi
  log "$name up ($((SECONDS - t0))s)"
}

# Start every host in parallel. Not `start_all_hosts || …`: bash would then ignore `set -e`
# inside every host's start, hiding failures. Sets FAILED_HOSTS instead of failing.
FAILED_HOSTS=
start_all_hosts() {
  local name addr idx=0 pids=() names=() i
  while read -r name addr _; do
    idx=$((idx + 1))
    start_host "$name" "$addr" "$idx" >"$HOSTS_DIR/$name.start.log" 2>&1 &
    pids+=($!) names+=("$name")
  done < <(host_lines)
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      cat "$HOSTS_DIR/${names[$i]}.start.log" >&2
    else
      FAILED_HOSTS="$FAILED_HOSTS ${names[$i]}"
      echo "---- ${names[$i]} failed:" >&2
      cat "$HOSTS_DIR/${names[$i]}.start.log" >&2
    fi
  done
}

# ---------------------------------------------------------------- descriptions of the lab
write_lab_json() {
  local hosts='{}' name addr svc group pid
  while read -r name addr svc group _; do
    pid=$(host_pid "$name")
    hosts=$(jq -c --arg n "$name" --arg a "$addr" --argjson pid "$pid" --arg svc ",$svc," --arg g "$group" \
      '.[$n] = { address: $a, pid: $pid, sshd: ($svc | contains(",sshd,")),
                 docker: ($svc | contains(",docker,")), groups: (if $g == "-" then [] else [$g] end),
                 services: ($svc | split(",") | map(select(. != ""))) }' \
      <<<"$hosts")
  done < <(host_lines)
  jq -n --argjson hosts "$hosts" --arg key "$LAB/id_ed25519" --arg kh "$LAB/known_hosts" \
    --arg hub "http://$HUB_ADDR" --arg mirror "$MIRROR_URL" --arg user deploy \
    '{ hosts: $hosts, keyFile: $key, knownHosts: $kh, hubUrl: $hub, mirrorUrl: $mirror,
       sudoUser: $user }' >"$LAB/lab.json.tmp"
  mv "$LAB/lab.json.tmp" "$LAB/lab.json"
}

write_known_hosts() {
  local key name
  key=$(cut -d' ' -f1,2 "$LAB/ssh_host_ed25519_key.pub")
  for name in $(host_names); do
    has_service "$name" sshd && echo "$(host_field "$name" 2) $key"
  done >"$LAB/known_hosts"
}

write_inventory() {
  local group name
  {
    echo "# The running lab, generated by test/lab/lab.sh. Tests add mirror_url themselves."
    echo "all:"
    echo "  vars:"
    echo "    ansible_user: root"
    echo "    ansible_ssh_private_key_file: $LAB/id_ed25519"
    echo "  children:"
    for group in $(host_lines | awk '$4 != "-" { print $4 }' | awk '!seen[$0]++'); do
      echo "    $group:"
      echo "      hosts:"
      for name in $(host_lines | awk -v g="$group" '$4 == g { print $1 }'); do
        echo "        $name: { ansible_host: $(host_field "$name" 2) }"
      done
    done
  } >"$LAB/inventory.yml"
}

# ---------------------------------------------------------------- commands
cmd_up() {
  preflight
  log "tearing down leftovers"
  teardown
  log "teardown done"
  mkdir -p "$HOSTS_DIR"
  ensure_images
  ensure_keys
  write_sshd_config
  log "images and keys ready"
  setup_bridge
  start_all_hosts
  if [ -n "$FAILED_HOSTS" ]; then
    if [ "${FLEET_LAB_KEEP_FAILED:-}" = 1 ]; then
      log "lab failed to start ($FAILED_HOSTS ); left as it is (FLEET_LAB_KEEP_FAILED=1)"
    else
      log "lab failed to start ($FAILED_HOSTS ); tearing down"
      teardown
    fi
    exit 1
  fi
  write_known_hosts
  write_inventory
  write_lab_json
  log "lab up: $LAB/lab.json ($(free -m | awk '/^Mem:/ {print $3}') MB used on the machine)"
}

cmd_down() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  teardown
  log "lab down"
}

# Exit 0 only if every host runs and answers: sshd pid alive, dockerd pings, registries answer.
cmd_status() {
  local name addr svc ok=0 state
  [ -f "$LAB/lab.json" ] || { echo "lab is down"; return 1; }
  while read -r name addr svc _; do
    state=ok
    if ! host_pid "$name" >/dev/null; then
      state="not running"
    else
      if has_service "$name" sshd && ! host_sh "$name" 'kill -0 "$(cat /run/sshd.pid)"' 2>/dev/null; then state="sshd down"; fi
      if has_service "$name" docker && ! host_sh "$name" 'systemctl -q is-active docker' 2>/dev/null; then state="dockerd down"; fi
      if has_service "$name" containerd && ! host_sh "$name" 'systemctl -q is-active containerd' 2>/dev/null; then state="containerd down"; fi
      if has_service "$name" podman && ! host_sh "$name" 'podman info >/dev/null' 2>/dev/null; then state="podman broken"; fi
      if has_service "$name" hub && ! http_ok "http://$HUB_ADDR/v2/"; then state="hub registry down"; fi
      if has_service "$name" mirror && ! http_ok "$MIRROR_URL/v2/"; then state="mirror registry down"; fi
    fi
    [ "$state" = ok ] || ok=1
    printf '%-18s %-11s %-16s %s\n' "$name" "$addr" "$svc" "$state"
  done < <(host_lines)
  return "$ok"
}

cmd_exec() {
  [ $# -ge 2 ] || die "usage: lab.sh exec HOST -- CMD..."
  local name=$1
  known_host "$name"
  shift
  [ "$1" != -- ] || shift
  [ $# -gt 0 ] || die "usage: lab.sh exec HOST -- CMD..."
  local pid
  pid=$(host_pid "$name") || die "host $name is not running"
  exec nsenter -t "$pid" -n -m -u -p -- env -i -C / PATH="$SERVICE_PATH" HOME=/root LANG=C.UTF-8 "$@"
}

# Back to the state `up` left: default daemon.json (or none), no daemon.json.* backups, no
# containers or volumes, empty DOCKER-USER chain, dockerd restarted (a reload would keep mirrors
# that are no longer in daemon.json).
reset_host() {
  local name=$1 default=$LAB_SRC/defaults/$1.json
  known_host "$name"
  if has_service "$name" podman; then reset_podman "$name"; return; fi
  if has_service "$name" containerd; then reset_containerd "$name"; return; fi
  has_service "$name" docker || die "$name runs no container runtime; nothing to reset"
  host_sh "$name" "
    set -e
    rm -rf /etc/systemctl-standin /etc/systemd/system/docker.service.d /etc/systemd/system/docker.service.wants
    systemctl stop docker
    rm -rf /run/systemctl-standin
    rm -f /etc/docker/daemon.json /etc/docker/daemon.json.*
    if [ -f '$default' ]; then cp '$default' /etc/docker/daemon.json; fi
    iptables -F DOCKER-USER 2>/dev/null || true
    systemctl start docker
    ids=\$(docker ps -aq); [ -z \"\$ids\" ] || docker rm -f \$ids >/dev/null
    vols=\$(docker volume ls -q); [ -z \"\$vols\" ] || docker volume rm -f \$vols >/dev/null
  "
}

# Podman and containerd hosts: default configuration back, no image, no container.
reset_podman() {
  host_sh "$1" "rm -rf /var/lib/containers/storage /run/containers /run/libpod"
  podman_defaults "$1"
}

reset_containerd() {
  host_sh "$1" "set -e; systemctl stop containerd; rm -rf /var/lib/containerd/* /run/containerd"
  containerd_defaults "$1"
  host_sh "$1" "systemctl start containerd"
}

reboot_host() {
  local name=$1
  known_host "$name"
  has_service "$name" docker || die "$name runs no docker; nothing to reboot"
  host_sh "$name" "
    systemctl stop docker
    for t in iptables ip6tables; do
      for table in filter nat mangle raw; do \$t -w -t \$table -F 2>/dev/null; \$t -w -t \$table -X 2>/dev/null; done
      \$t -w -P FORWARD ACCEPT 2>/dev/null
    done
    rm -rf /run/systemctl-standin
    systemctl start docker
  "
}

cmd_reboot() {
  [ $# -gt 0 ] || die "usage: lab.sh reboot HOST..."
  local name rc=0
  for name in "$@"; do reboot_host "$name" || rc=1; done
  return "$rc"
}

cmd_reset() {
  [ $# -gt 0 ] || die "usage: lab.sh reset HOST..."
  local name pids=() rc=0 p
  for name in "$@"; do reset_host "$name" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return "$rc"
}

# The hosts' daemons outlive this script: they must not inherit its caller's descriptors (a lock
# held with flock, a test runner's pipe), or those would stay open as long as the lab runs.
# Bash reads this script from fd 255: keep that one.
close_inherited_fds() {
  local fd
  for fd in $(ls /proc/$$/fd); do
    if [ "$fd" -gt 2 ] && [ "$fd" != 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

main() {
  close_inherited_fds
  local cmd=${1:-}
  shift || true
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    exec) cmd_exec "$@" ;;
    reset) cmd_reset "$@" ;;
    reboot) cmd_reboot "$@" ;;
    *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

main "$@"
