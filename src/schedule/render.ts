// ScheduleSpec -> the files to install and what to do next. Pure apart from reading templates.
import { renderCircleci } from './circleci.js';
import { renderCron } from './cron.js';
import { renderKubernetes } from './kubernetes.js';
import type { Rendering, ScheduleSpec } from './spec.js';
import { renderSystemd } from './systemd.js';

/** `outDir` (where the files will be written, if anywhere) only shapes the next-step hints. */
export function renderSchedule(spec: ScheduleSpec, outDir?: string): Rendering {
  switch (spec.format) {
    case 'systemd':
      return renderSystemd(spec, outDir);
    case 'cron':
      return renderCron(spec, outDir);
    case 'circleci':
      return renderCircleci(spec, outDir);
    case 'kubernetes':
      return renderKubernetes(spec, outDir);
  }
}
