// Apply the cache state on one cache host: facts -> plan -> execute -> check the registry answers.
import { cacheFactsCommand, parseCacheFacts } from '../facts/cache-host.js';
import type { CacheSettings, Host } from '../inventory/model.js';
import { drawFreshIds } from '../modules/registry-cache/fresh-ids.js';
import { planCache } from '../modules/registry-cache/plan.js';
import type { PartialOutcome } from './converge-client.js';
import { announceChanges, checkModeOutcome } from './announce.js';
import type { Emit } from './events.js';
import { executeChanges } from './execute-changes.js';
import type { HostShell } from './host-shell.js';
import { EXIT_NO_HTTP_CLIENT, httpGetScript } from './mirror-probe.js';

export interface CacheRunOptions {
  readonly check: boolean;
  readonly diff: boolean;
}

export async function applyCache(host: Host, settings: CacheSettings, sources: readonly string[], shell: HostShell, options: CacheRunOptions, emit: Emit): Promise<PartialOutcome> {
  emit({ type: 'host-step', host: host.name, step: 'reading facts' });
  const facts = parseCacheFacts(await shell.run(cacheFactsCommand(settings.image, settings.dataDir)));
  const plan = planCache(settings, sources, facts, drawFreshIds());
  for (const message of plan.warnings) emit({ type: 'warning', host: host.name, message });
  if (plan.kind === 'refuse') return { status: 'failed', message: plan.reason, changes: [] };
  if (plan.kind === 'in-sync') return { status: 'ok', message: plan.reason, changes: [] };

  const summaries = announceChanges(host.name, plan.changes, options.diff, emit);
  if (options.check) return checkModeOutcome(summaries);
  await executeChanges(host.name, plan.changes, shell, emit);
  await waitForLocalRegistry(shell, settings.mirrorPort);
  return { status: 'changed', message: `${plan.changes.length} change(s) made`, changes: summaries };
}

/** The registry answers GET /v2/ on the host itself (loopback is not subject to DOCKER-USER). */
async function waitForLocalRegistry(shell: HostShell, port: number): Promise<void> {
  const url = `http://127.0.0.1:${port}/v2/`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const result = await shell.run({ script: httpGetScript(url, 3), label: 'probe registry' });
    // A host without curl or wget cannot be probed here; the client-side health gate still is.
    if (result.exitCode === 0 || result.exitCode === EXIT_NO_HTTP_CLIENT) return;
    if (Date.now() > deadline) throw new Error(`the registry container does not answer ${url} on the cache host: ${result.stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
