#!/usr/bin/env bash
# One command on a fresh Debian 12 machine (as root): install what is needed, bring up the local
# demo fleet (a cache host, three Docker clients, an outsider, a stand-in Docker Hub, each in its
# own network namespace with real sshd and dockerd), run `fleet apply` on it, and show a
# `docker pull` on a client going through the new cache. `bash test/lab/lab.sh down` removes it.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash test/lab/install-deps.sh >/dev/null
npm ci --no-audit --no-fund --loglevel=error
bash test/lab/lab.sh up

run() { printf '\n$ %s\n' "$*"; "$@"; }
run npx fleet apply inventories/demo.yml --known-hosts .lab/known_hosts --diff --verify-pull busybox
run npx fleet apply inventories/demo.yml --known-hosts .lab/known_hosts   # a second run changes nothing
printf '\n$ (on client-2) docker pull busybox\n'
bash test/lab/lab.sh exec client-2 -- sh -c 'docker rmi -f busybox:latest >/dev/null 2>&1; docker pull busybox'
printf '\n$ (on client-2) curl http://10.77.1.1/v2/_catalog   # what the cache now holds\n'
bash test/lab/lab.sh exec client-2 -- curl -s http://10.77.1.1/v2/_catalog
printf '\n$ (on outsider, not a client) curl http://10.77.1.1/v2/   # refused by the firewall\n'
bash test/lab/lab.sh exec outsider -- curl -s -m 3 http://10.77.1.1/v2/ || echo "refused (curl exit $?)"
run npx fleet check inventories/demo.yml --known-hosts .lab/known_hosts   # read-only drift check: exit 0
printf '\n$ (on client-3) someone edits daemon.json by hand\n'
bash test/lab/lab.sh exec client-3 -- sh -c 'echo "{}" > /etc/docker/daemon.json'
run npx fleet check inventories/demo.yml --known-hosts .lab/known_hosts || echo "fleet check exit $? (2 = drift)"
run npx fleet apply inventories/demo.yml --known-hosts .lab/known_hosts --limit client-3
printf '\nThe demo fleet stays up: try `npx fleet rollback inventories/demo.yml --known-hosts .lab/known_hosts --cache`.\n'
printf 'Remove it with `bash test/lab/lab.sh down`.\n'
