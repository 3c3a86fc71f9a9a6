// systemd: <name>.service (oneshot fleet check) + <name>.timer (monotonic, any interval).
import path from 'node:path';
import { render } from '../core/templates.js';
import { formatDuration, systemdTimespan } from './duration.js';
import { systemdCommandLine, systemdVerbatim, systemdWord } from './escape.js';
import { checkArgv, inventoryLabel, type HostSchedule, type Rendering } from './spec.js';

const MAX_BOOT_DELAY = 5 * 60;

export function renderSystemd(spec: HostSchedule, outDir: string | undefined): Rendering {
  const every = formatDuration(spec.everySeconds);
  const prometheusDir = spec.check.prometheus === undefined ? undefined : path.dirname(spec.check.prometheus);
  const service = render('schedule/systemd.service', {
    name: spec.name,
    description: systemdVerbatim(`fleet drift check of ${inventoryLabel(spec.check)}`),
    user: spec.user,
    workdir: systemdVerbatim(spec.workdir),
    envFile: spec.envFile === undefined ? undefined : systemdVerbatim(spec.envFile),
    execStart: systemdCommandLine([...spec.fleet, ...checkArgv(spec.check, false)]),
    timeout: systemdTimespan(spec.everySeconds),
    // Root keeps only its power over file permissions (to read keys and write the textfile);
    // another user needs no capability at all.
    capabilities: spec.user === undefined || spec.user === 'root' || spec.user === '0' ? 'CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH' : '',
    capabilitiesWhy: spec.user === undefined || spec.user === 'root' || spec.user === '0'
      ? 'As root, only the right to read and write files whatever their owner.'
      : 'No capabilities: the check needs none.',
    readWritePaths: prometheusDir === undefined ? undefined : systemdWord(prometheusDir),
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
    `sudo systemctl daemon-reload && sudo systemctl enable --now ${spec.name}.timer`,
    `systemctl list-timers ${spec.name}.timer; journalctl -u ${spec.name}.service`,
  ];
  return { files, nextSteps };
}
