#!/usr/bin/env bash
# Install what the benchmark needs on Debian 12 (as root): the lab's packages (sshd, tini,
# busybox, jq, sudo, the namespace tools: test/lab/install-deps.sh), Debian's Ansible (the
# comparison) and GNU time (peak RSS of a process). Not part of the CI path.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

readonly NEEDED=(ansible-playbook /usr/bin/time sshd tini busybox jq sudo curl nsenter python3)
missing=0
for tool in "${NEEDED[@]}"; do command -v "$tool" >/dev/null || missing=1; done
[ "$missing" = 1 ] || exit 0

bash "$(dirname "$0")/../lab/install-deps.sh"      # runs apt-get update first
apt-get install -y -q --no-install-recommends ansible time python3
