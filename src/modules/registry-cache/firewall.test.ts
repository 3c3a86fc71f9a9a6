import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { olderFleetJump } from '../../../test/unit/builders.js';
import { fakeIptables } from '../../../test/unit/fake-iptables.js';
import { runSh } from '../../../test/unit/sh.js';
import { expectedRules, firewallScript, isFleetJump, isSafeBridgeName, removeRulesScript, type FirewallSpec } from './firewall.js';

const spec: FirewallSpec = { port: 80, sources: ['10.0.0.11/32', '10.0.0.12/32'], bridge: 'docker0' };
const jump = expectedRules(spec).jump;

/** Rules built to fool a `grep fleet-mirror | eval` pipeline, each touching a file under `dir` if run. */
function plantedRules(dir: string): string[] {
  return [
    `-A DOCKER-USER -m comment --comment fleet-mirror -m comment --comment "$(touch ${dir}/dollar)" -j RETURN`,
    `-A DOCKER-USER -m comment --comment "\`touch ${dir}/backtick\`" -j RETURN`,
    `-A DOCKER-USER -m comment --comment "x\n-A DOCKER-USER -j FLEET-MIRROR $(touch ${dir}/newline)" -j RETURN`,
  ];
}

describe('the DOCKER-USER jump', () => {
  it('matches where a connection ends (the registry port on the bridge, after DNAT), so routing to the container cannot bypass it', () => {
    expect(jump).toBe('-A DOCKER-USER -o docker0 -p tcp -m tcp --dport 5000 -m conntrack --ctstate NEW -m comment --comment fleet-mirror -j FLEET-MIRROR');
    expect(jump).not.toMatch(/ctorigdstport/);
    expect(expectedRules({ ...spec, port: 8080 }).jump).toBe(jump);
    expect(expectedRules({ ...spec, bridge: 'br-1a2b' }).jump).toMatch(/^-A DOCKER-USER -o br-1a2b -p tcp -m tcp --dport 5000 /);
  });

  it("replaces an older fleet's jump (published port only) in the running rules, and the script is a new one", () => {
    const ipt = fakeIptables([olderFleetJump, '-A DOCKER-USER -j RETURN']);
    const result = runSh({ script: firewallScript(spec) }, ipt.env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(ipt.dockerUser()).toEqual([jump, '-A DOCKER-USER -j RETURN']);
    expect(firewallScript(spec)).toContain('--dport 5000');
  });
});

describe('the firewall script (a real /bin/sh, a fake iptables)', () => {
  it('puts its jump first, removes older and stale jumps, and never runs a planted rule', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-fw-'));
    const planted = plantedRules(dir);
    const stale = expectedRules({ ...spec, bridge: 'br-0ld' }).jump;
    const ipt = fakeIptables([planted[0]!, jump, planted[1]!, stale, planted[2]!, '-A DOCKER-USER -j RETURN']);
    const result = runSh({ script: firewallScript(spec) }, ipt.env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(ipt.dockerUser()).toEqual([jump, ...planted, '-A DOCKER-USER -j RETURN']);
    expect(ipt.chainExists('FLEET-MIRROR')).toBe(true);
    expect(['dollar', 'backtick', 'newline'].filter((f) => existsSync(join(dir, f)))).toEqual([]);
  });

  it('creates DOCKER-USER when dockerd has not yet (it runs before dockerd at boot), and is idempotent', () => {
    const ipt = fakeIptables();
    const script = firewallScript(spec).replace('iptables -w -n -L DOCKER-USER', 'rm "$FAKE_IPTABLES_STATE/chain.DOCKER-USER"; iptables -w -n -L DOCKER-USER');
    expect(runSh({ script }, ipt.env).exitCode).toBe(0);
    expect(runSh({ script: firewallScript(spec) }, ipt.env).exitCode).toBe(0);
    expect(ipt.dockerUser()).toEqual([jump]);
  });

  it('holds no eval and no text read from a host', () => {
    expect(firewallScript(spec)).not.toMatch(/\beval\b|\| *while read/);
  });
});

describe('removeRulesScript', () => {
  it('removes every jump to the chain and the chain, keeps the operator rules, runs none of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-fw-'));
    const planted = plantedRules(dir);
    const ipt = fakeIptables([jump, planted[0]!, planted[1]!, jump, planted[2]!]);
    runSh({ script: firewallScript(spec) }, ipt.env);
    const result = runSh({ script: removeRulesScript() }, ipt.env);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(ipt.dockerUser()).toEqual(planted);
    expect(ipt.chainExists('FLEET-MIRROR')).toBe(false);
    expect(['dollar', 'backtick', 'newline'].filter((f) => existsSync(join(dir, f)))).toEqual([]);
  });
});

describe('isFleetJump', () => {
  it('is the target that counts, not words in a comment', () => {
    expect(isFleetJump(jump)).toBe(true);
    expect(isFleetJump('-A DOCKER-USER -m comment --comment "fleet-mirror -j FLEET-MIRROR" -j RETURN')).toBe(false);
    expect(isFleetJump('-A DOCKER-USER -m comment --comment "x\n-A DOCKER-USER -j FLEET-MIRROR" -j RETURN')).toBe(false);
  });
});

describe('isSafeBridgeName', () => {
  it('admits interface names and nothing a shell would expand', () => {
    expect(['docker0', 'br-1a2b3c4d5e6f', 'cbr0.1'].every(isSafeBridgeName)).toBe(true);
    expect(['$(reboot)', 'a b', 'br`x`', '', 'a-very-long-bridge-name'].some(isSafeBridgeName)).toBe(false);
  });
});
