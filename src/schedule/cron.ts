// cron: one line that runs fleet check (or apply) under flock, keeps the JSON report in a file and
// makes a non-zero exit visible. With --user it is an /etc/cron.d file (user field), else a crontab line.
import path from 'node:path';
import { quote } from '../core/command.js';
import { UsageError } from '../core/errors.js';
import { render } from '../core/templates.js';
import { cronExpression } from './cron-expression.js';
import { calendarCadence, formatDuration } from './duration.js';
import { cronCommand, shellWords } from './escape.js';
import { EXIT_MEANINGS, RUN_TITLES, inventoryLabel, runArgv, scheduleSeed, type HostSchedule, type Rendering } from './spec.js';

/** Debian's cron (vixie) truncates a command at 1000 characters. */
export const MAX_CRON_COMMAND = 999;
/** flock's exit status when the previous run still holds the lock. */
export const LOCK_BUSY_EXIT = 75;

export function renderCron(spec: HostSchedule, outDir: string | undefined): Rendering {
  const schedule = cronExpression(calendarCadence(spec.everySeconds, 'cron'), scheduleSeed(spec.name, spec.run));
  const command = cronCommand(cronShellCommand(spec));
  if (command.length > MAX_CRON_COMMAND) {
    throw new UsageError(`the cron command would be ${command.length} characters, more than cron reads (${MAX_CRON_COMMAND}): use shorter paths, or --format systemd`);
  }
  const cronD = spec.user !== undefined;
  const content = render('schedule/cron', {
    name: spec.name,
    title: RUN_TITLES[spec.run.command],
    fleetCommand: spec.run.command,
    exitMeanings: EXIT_MEANINGS[spec.run.command],
    reportKind: spec.run.command === 'apply' ? 'NDJSON events, the last line the summary' : 'JSON report',
    inventory: inventoryLabel(spec.run),
    every: formatDuration(spec.everySeconds),
    describe: schedule.describe,
    cronD,
    user: spec.user,
    report: spec.report,
    envFile: spec.envFile,
    fields: schedule.fields,
    command,
  });
  const file = { name: cronD ? spec.name : `${spec.name}.crontab`, content };
  const written = path.join(outDir ?? '.', file.name);
  const nextSteps = [
    cronD
      ? `sudo install -m 0644 -o root -g root ${written} /etc/cron.d/${spec.name}`
      : `(crontab -l 2>/dev/null; cat ${written}) | crontab -   # as the user fleet runs as`,
    ...(spec.envFile === undefined ? [] : [`chmod 0600 ${spec.envFile}   # credentials; owned by the user fleet runs as, who reads it`]),
    `after the first run: cat ${spec.report}`,
  ];
  return { files: [file], nextSteps };
}

/** The shell command cron runs (before %-escaping). Exported for tests that run it. */
export function cronShellCommand(spec: HostSchedule): string {
  const tmp = `${spec.report}.tmp`;
  const inner = [
    `cd ${quote(spec.workdir)} || exit 1`,
    // `command .` returns an error instead of exiting the shell with 2 (which would read as drift).
    ...(spec.envFile === undefined ? [] : ['set -a', `command . ${quote(spec.envFile)} || exit 1`, 'set +a']),
    `${shellWords([...spec.fleet, ...runArgv(spec.run, true)])} >${quote(tmp)}`,
    'rc=$?',
    `mv -f ${quote(tmp)} ${quote(spec.report)}`,
    'exit $rc',
  ].join('; ');
  const command = spec.run.command;
  const message = `fleet ${command} exited $? (${EXIT_MEANINGS[command]}, ${LOCK_BUSY_EXIT} previous ${command} still running)`;
  return `flock -n -E ${LOCK_BUSY_EXIT} ${quote(`${spec.report}.lock`)} sh -c ${quote(inner)} || { m="${message}"; echo "$m" >&2; logger -t ${quote(spec.name)} "$m"; }`;
}
