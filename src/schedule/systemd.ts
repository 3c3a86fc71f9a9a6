// systemd: <name>.service (oneshot fleet check or apply) + <name>.timer (monotonic, any interval).
import path from 'node:path';
import { render } from '../core/templates.js';
import { formatDuration, systemdTimespan } from './duration.js';
import { systemdCommandLine, systemdVerbatim, systemdWord } from './escape.js';
import { RUN_TITLES, inventoryLabel, runArgv, type HostSchedule, type Rendering } from './spec.js';

const MAX_BOOT_DELAY = 5 * 60;

export function renderSystemd(spec: HostSchedule, outDir: string | undefined): Rendering {
  const every = formatDuration(spec.everySeconds);
  const apply = spec.run.command === 'apply';
  // check writes only its textfile; apply writes its run journal (.fleet in the working directory).
  const writable = apply ? journalDir(spec) : spec.run.prometheus === undefined ? undefined : path.dirname(spec.run.prometheus);
  const service = render('schedule/systemd.service', {
    name: spec.name,
    apply,
    description: systemdVerbatim(`${RUN_TITLES[spec.run.command]} of ${inventoryLabel(spec.run)}`),
    user: spec.user,
    workdir: systemdVerbatim(spec.workdir),
    envFile: spec.envFile === undefined ? undefined : systemdVerbatim(spec.envFile),
    execStart: systemdCommandLine([...spec.fleet, ...runArgv(spec.run, false)]),
    timeout: systemdTimespan(spec.everySeconds),
    // Root keeps only its power over file permissions (to read keys and write the textfile);
    // another user needs no capability at all.
    capabilities: spec.user === undefined || spec.user === 'root' || spec.user === '0' ? 'CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH' : '',
    capabilitiesWhy: spec.user === undefined || spec.user === 'root' || spec.user === '0'
      ? 'As root, only the right to read and write files whatever their owner.'
      : 'No capabilities: fleet needs none.',
    readWritePaths: writable === undefined ? undefined : systemdWord(writable),
  });
  const timer = render('schedule/systemd.timer', {
    name: spec.name,
    every,
    bootDelay: systemdTimespan(Math.min(spec.everySeconds, MAX_BOOT_DELAY)),
    interval: systemdTimespan(spec.everySeconds),
  });
  const files = [
    { name: `${spec.name}.service`, content: service },
    { name: `${spec.name}.timer`, content: timer },
  ];
  const unitDir = '/etc/systemd/system';
  const from = outDir ?? '.';
  const nextSteps = [
    ...(path.resolve(from) === unitDir ? [] : [`sudo install -m 0644 ${files.map((f) => path.join(from, f.name)).join(' ')} ${unitDir}/`]),
    ...(spec.envFile === undefined ? [] : [`sudo chmod 0600 ${spec.envFile}   # the credentials the inventory reads from the environment`]),
    ...(apply ? [`sudo install -d -m 0700${spec.user === undefined ? '' : ` -o ${spec.user}`} ${journalDir(spec)}   # apply's run journal: the only place the unit may write`] : []),
    `sudo systemctl daemon-reload && sudo systemctl enable --now ${spec.name}.timer`,
    `systemctl list-timers ${spec.name}.timer; journalctl -u ${spec.name}.service`,
  ];
  return { files, nextSteps };
}

/** Where a scheduled apply keeps its run journal: fleet's default .fleet in the working directory. */
function journalDir(spec: HostSchedule): string {
  return path.join(spec.workdir, '.fleet');
}
