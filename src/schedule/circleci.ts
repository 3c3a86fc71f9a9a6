// CircleCI: .circleci/config.yml with a job that runs fleet check and stores its JSON report as
// an artifact, on a scheduled workflow (UTC).
import { quote } from '../core/command.js';
import { render } from '../core/templates.js';
import { cronExpression } from './cron-expression.js';
import { calendarCadence, formatDuration } from './duration.js';
import { shellWords, yamlString } from './escape.js';
import { checkArgv, inventoryLabel, scheduleSeed, type CircleciSchedule, type Rendering } from './spec.js';

export function renderCircleci(spec: CircleciSchedule, outDir: string | undefined): Rendering {
  const schedule = cronExpression(calendarCadence(spec.everySeconds, 'CircleCI'), scheduleSeed(spec.name, spec.check));
  const content = render('schedule/circleci.yml', {
    name: spec.name,
    inventory: inventoryLabel(spec.check),
    every: formatDuration(spec.everySeconds),
    describe: schedule.describe,
    branchName: spec.branch,
    branch: yamlString(spec.branch),
    context: spec.context === undefined ? undefined : yamlString(spec.context),
    fingerprints: spec.sshFingerprints.map(yamlString),
    // --no: never fetch a package called "fleet" from the registry if the local one is missing.
    checkCommand: `npx --no -- fleet ${shellWords(checkArgv(spec.check, true))}`,
    report: quote(`${spec.name}.json`),
    exitFile: quote(`${spec.name}.exit`),
    cron: yamlString(schedule.fields),
  });
  const dir = outDir ?? '.circleci';
  return {
    files: [{ name: 'config.yml', content }],
    nextSteps: [
      `git add ${dir}/config.yml ${spec.check.knownHosts} && git commit && git push   # the schedule starts once it is on ${spec.branch}`,
      'Project Settings > SSH Keys > Additional SSH Keys: add the private key fleet logs in with (then pin it with --ssh-fingerprint)',
      `${spec.context === undefined ? 'Project Settings > Environment Variables' : `Organization Settings > Contexts > ${spec.context}`}: the variables the inventory reads as env.NAME`,
      'The hosts must accept SSH from CircleCI (its IP ranges, or a jump host: fleet_jump_host)',
    ],
  };
}
