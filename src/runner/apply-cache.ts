// Apply the cache state on one cache host: facts -> plan -> execute -> check the registry answers.
import { describeChange } from '../core/change.js';
import { cacheFactsCommand, parseCacheFacts } from '../facts/cache-host.js';
import type { CacheSettings, Host } from '../inventory/model.js';
import { planCache } from '../modules/registry-cache/plan.js';
import type { PartialOutcome } from './apply-client.js';
import { fileDiff } from './diff.js';
import type { Emit } from './events.js';
import { executeChanges } from './execute-changes.js';
import type { HostShell } from './host-shell.js';

export interface CacheRunOptions {
  readonly check: boolean;
  readonly diff: boolean;
}

export async function applyCache(host: Host, settings: CacheSettings, sources: readonly string[], shell: HostShell, options: CacheRunOptions, emit: Emit): Promise<PartialOutcome> {
  emit({ type: 'host-step', host: host.name, step: 'reading facts' });
  const facts = parseCacheFacts(await shell.run(cacheFactsCommand(settings.image, settings.dataDir)));
  const plan = planCache(settings, sources, facts);
  for (const message of plan.warnings) emit({ type: 'warning', host: host.name, message });
  if (plan.kind === 'refuse') return { status: 'failed', message: plan.reason, changes: [] };
  if (plan.kind === 'in-sync') return { status: 'ok', message: plan.reason, changes: [] };

  for (const change of plan.changes) {
    const diff = options.diff && change.kind === 'write-file' ? { diff: fileDiff(change) } : {};
    emit({ type: 'host-change', host: host.name, change: describeChange(change), applied: false, ...diff });
  }
  const summaries = plan.changes.map(describeChange);
  if (options.check) return { status: 'changed', message: 'would change (check mode: nothing was changed)', changes: summaries };
  await executeChanges(host.name, plan.changes, shell, emit);
  await waitForLocalRegistry(shell, settings.mirrorPort);
  return { status: 'changed', message: `${plan.changes.length} change(s) made`, changes: summaries };
}

/** The registry answers GET /v2/ on the host itself (loopback is not subject to DOCKER-USER). */
async function waitForLocalRegistry(shell: HostShell, port: number): Promise<void> {
  const url = `http://127.0.0.1:${port}/v2/`;
  const probe = `if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null --max-time 3 ${url}; elif command -v wget >/dev/null 2>&1; then wget -q -O /dev/null -T 3 ${url}; else exit 0; fi`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const result = await shell.run({ script: probe, label: 'probe registry' });
    if (result.exitCode === 0) return;
    if (Date.now() > deadline) throw new Error(`the registry container does not answer ${url} on the cache host: ${result.stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
