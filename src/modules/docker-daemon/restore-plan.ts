// Putting a Docker client back after a failed apply or rollback, as data. Every written file goes
// back (removed if it did not exist), the last written first; daemon.json is then applied again.
// A reload ignores a file without registry-mirrors and keeps the mirror the run applied: as
// rollback does, daemon.json is first cleared with `[]` (and the daemon waited for), and only then
// is the original put back. Pure.
import type { Change, WriteFileChange } from '../../core/change.js';
import type { RestorePlan } from '../../core/module.js';
import { putBack, rewrite, writtenFiles } from '../../core/restore.js';
import { DAEMON_RELOAD } from '../boot-hook/plan.js';
import { clearingContent, mirrorsOnceApplied } from './plan.js';

/** `daemonJson`: the path the run wrote daemon.json at (a symlink's target). */
export function dockerRestorePlan(written: readonly WriteFileChange[], planned: readonly Change[], daemonJson: string): RestorePlan {
  const files = writtenFiles(written);
  const apply = planned.find((c) => c.kind === 'apply-docker-config');
  const reapply = apply?.kind === 'apply-docker-config' && files.some((f) => f.path === daemonJson) ? apply : undefined;
  const steps: Change[] = [];
  for (const file of files) {
    if (file.path !== daemonJson || !reapply) {
      steps.push(putBack(file));
      continue;
    }
    const clearing = clearingContent(file.first.before, reapply.method);
    if (clearing !== undefined) {
      steps.push(rewrite(file, file.current, clearing, 'restore: drop the mirrors first'), { ...reapply, expectMirrors: [] }, putBack(file, clearing));
    } else {
      steps.push(putBack(file), { ...reapply, expectMirrors: mirrorsOnceApplied(file.first.before, reapply.method) });
    }
  }
  // Best effort: a drop-in systemd still lists after its files are put back only runs a script
  // that is gone or as it was, and ExecStartPre=- ignores that.
  const reload = files.some((f) => f.path !== daemonJson) && planned.includes(DAEMON_RELOAD);
  return { paths: files.map((f) => f.path), steps, bestEffort: reload ? [DAEMON_RELOAD] : [], bestEffortFailure: 'systemd not reloaded', applied: reapply !== undefined };
}
