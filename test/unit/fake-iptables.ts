// A stand-in for iptables and iptables-restore, for unit tests that run fleet's firewall scripts
// with a real /bin/sh: DOCKER-USER's rules live in a file (one base64 record per rule, so a rule
// may span lines as a comment with a newline does), other chains only exist or not. It knows the
// calls fleet makes: -L -N -S [N] -I CHAIN 1 -D CHAIN N -F -X, and iptables-restore --noflush.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const IPTABLES = `#!/bin/sh
S=$FAKE_IPTABLES_STATE
R="$S/DOCKER-USER.rules"
while [ "$1" = -w ] || [ "$1" = -n ]; do shift; done
op=$1 chain=$2
case $op in
  -L) [ -e "$S/chain.$chain" ]; exit ;;
  -N) [ ! -e "$S/chain.$chain" ] || exit 1; touch "$S/chain.$chain"; exit ;;
  -F) [ -e "$S/chain.$chain" ]; exit ;;
  -X) rm "$S/chain.$chain"; exit ;;
  -S)
    [ -e "$S/chain.$chain" ] || exit 1
    [ "$chain" = DOCKER-USER ] || { cat "$S/chain.$chain"; exit; }
    if [ -n "$3" ]; then sed -n "$3p" "$R" | base64 -d; [ -z "$(sed -n "$3p" "$R")" ] || echo; exit 0; fi
    echo "-N DOCKER-USER"; while read -r line; do printf '%s\\n' "$line" | base64 -d; echo; done < "$R"; exit 0 ;;
  -I)
    [ "$3" = 1 ] || exit 2
    shift 3
    { printf '%s' "-A $chain $*" | base64 -w 0; echo; cat "$R"; } > "$R.new" && mv "$R.new" "$R"; exit ;;
  -D)
    case $3 in *[!0-9]* | '') echo "fake iptables: -D takes a rule number here, got: $3" >&2; exit 2 ;; esac
    sed -i "$3d" "$R"; exit ;;
esac
echo "fake iptables: unsupported: $*" >&2; exit 2
`;

const RESTORE = `#!/bin/sh
S=$FAKE_IPTABLES_STATE
rules=$(cat)
chain=$(printf '%s\\n' "$rules" | sed -n 's/^:\\([A-Z-]*\\) .*/\\1/p')
printf '%s\\n' "$rules" | grep '^-A' | { echo "-N $chain"; cat; } > "$S/chain.$chain"
`;

export interface FakeIptables {
  /** Directory to put first on PATH. */
  readonly bin: string;
  /** Environment for runSh: PATH and the state directory. */
  readonly env: NodeJS.ProcessEnv;
  /** DOCKER-USER's rules, as `iptables -S DOCKER-USER N` prints each. */
  dockerUser(): string[];
  chainExists(name: string): boolean;
}

/** A fresh fake whose DOCKER-USER chain holds `rules` (full `-A DOCKER-USER ...` texts). */
export function fakeIptables(rules: readonly string[] = []): FakeIptables {
  const root = mkdtempSync(join(tmpdir(), 'fleet-ipt-'));
  const bin = join(root, 'bin');
  const state = join(root, 'state');
  mkdirSync(bin);
  mkdirSync(state);
  writeFileSync(join(bin, 'iptables'), IPTABLES);
  writeFileSync(join(bin, 'iptables-restore'), RESTORE);
  chmodSync(join(bin, 'iptables'), 0o755);
  chmodSync(join(bin, 'iptables-restore'), 0o755);
  writeFileSync(join(state, 'chain.DOCKER-USER'), '');
  writeFileSync(join(state, 'DOCKER-USER.rules'), rules.map((r) => `${Buffer.from(r).toString('base64')}\n`).join(''));
  return {
    bin,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_IPTABLES_STATE: state },
    dockerUser: () =>
      readFileSync(join(state, 'DOCKER-USER.rules'), 'utf8').split('\n').filter(Boolean).map((line) => Buffer.from(line, 'base64').toString()),
    chainExists: (name) => {
      try {
        readFileSync(join(state, `chain.${name}`));
        return true;
      } catch {
        return false;
      }
    },
  };
}
