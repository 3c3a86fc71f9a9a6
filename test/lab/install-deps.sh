#!/usr/bin/env bash
# Install what fleet's lab needs on Debian 12 (as root): sshd and a real dockerd per lab host,
# the registry binary for the lab's "Docker Hub" and mirror, and the namespace tools.
# apt must not start services on the root namespace while installing; the lab runs its own.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

readonly PACKAGES=(
  openssh-server openssh-client  # sshd on every lab host; ssh for the tests
  docker.io tini                 # a real dockerd per host; tini reaps a host's orphans
  docker-registry skopeo         # the lab's "Docker Hub", its mirror, and the image push
  podman containerd              # the other runtimes' clients (podman-docker conflicts with
                                 # docker.io: the lab stands in for its `docker` wrapper)
  iptables iproute2 util-linux   # bridge, veths, namespaces (nsenter, unshare)
  busybox-static                 # the lab's busybox image
  jq curl sudo passwd procps ca-certificates
  ansible-core openssl           # the peer for inventory tests (ansible-inventory); test CAs
  prometheus                     # promtool: checks and tests the alert rules (its service is
                                 # not started: see policy-rc.d below)
  prometheus-node-exporter       # its textfile collector serves fleet check's metrics (e2e)
)

own_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  own_policy=1
fi
trap '[ "$own_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d' EXIT

apt-get update -q
apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
