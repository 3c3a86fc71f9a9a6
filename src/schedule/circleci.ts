// CircleCI: .circleci/config.yml with a job that runs fleet check (or apply) and stores its JSON
// report as an artifact, on a scheduled workflow (UTC).
import { quote } from '../core/command.js';
import { render } from '../core/templates.js';
import { cronExpression } from './cron-expression.js';
import { calendarCadence, formatDuration } from './duration.js';
import { shellWords, yamlString } from './escape.js';
import { RUN_TITLES, inventoryLabel, runArgv, scheduleSeed, type CircleciSchedule, type Rendering, type ScheduledCommand } from './spec.js';

export function renderCircleci(spec: CircleciSchedule, outDir: string | undefined): Rendering {
  const schedule = cronExpression(calendarCadence(spec.everySeconds, 'CircleCI'), scheduleSeed(spec.name, spec.run));
  const command = spec.run.command;
  const report = `${spec.name}.json`;
  const content = render('schedule/circleci.yml', {
    name: spec.name,
    title: RUN_TITLES[command],
    fleetCommand: command,
    inventory: inventoryLabel(spec.run),
    every: formatDuration(spec.everySeconds),
    describe: schedule.describe,
    branchName: spec.branch,
    branch: yamlString(spec.branch),
    context: spec.context === undefined ? undefined : yamlString(spec.context),
    fingerprints: spec.sshFingerprints.map(yamlString),
    // --no: never fetch a package called "fleet" from the registry if the local one is missing.
    runCommand: `npx --no -- fleet ${shellWords(runArgv(spec.run, true))}`,
    report: quote(report),
    journal: command === 'apply' ? '.fleet' : undefined,
    verdictStep: VERDICT_STEP[command],
    verdicts: VERDICTS[command].map(([code, message]) => ({ code, message: quote(message.replace('REPORT', report)) })),
    exitFile: quote(`${spec.name}.exit`),
    cron: yamlString(schedule.fields),
  });
  const dir = outDir ?? '.circleci';
  return {
    files: [{ name: 'config.yml', content }],
    nextSteps: [
      `git add ${dir}/config.yml ${spec.run.knownHosts} && git commit && git push   # the schedule starts once it is on ${spec.branch}`,
      'Project Settings > SSH Keys > Additional SSH Keys: add the private key fleet logs in with (then pin it with --ssh-fingerprint)',
      `${spec.context === undefined ? 'Project Settings > Environment Variables' : `Organization Settings > Contexts > ${spec.context}`}: the variables the inventory reads as env.NAME`,
      'The hosts must accept SSH from CircleCI (its IP ranges, or a jump host: fleet_jump_host)',
    ],
  };
}

const VERDICT_STEP: Record<ScheduledCommand, string> = {
  check: 'Fail on drift or unreachable hosts',
  apply: 'Fail on failed or unreachable hosts',
};

/** What each exit status of the run means (README "Exit codes"); anything else is a failed run. */
const VERDICTS: Record<ScheduledCommand, ReadonlyArray<readonly [number, string]>> = {
  check: [
    [0, 'in sync'],
    [2, 'drift: see REPORT in the artifacts'],
    [4, 'hosts unreachable or failed: see REPORT in the artifacts'],
    [6, 'drift, and hosts unreachable or failed: see REPORT in the artifacts'],
  ],
  apply: [
    [0, 'every host ok or changed: see REPORT in the artifacts'],
    [4, 'hosts failed or unreachable, or the run failed: see REPORT in the artifacts'],
  ],
};
