// Carry out a list of changes in order over one host shell, stopping at the first failure.
import { describeChange, type Change, type WriteFileChange } from '../core/change.js';
import { applyDockerConfigCommand, writeFileCommand } from './change-commands.js';
import type { Emit } from './events.js';
import type { HostShell } from './host-shell.js';

/** `onWritten` hears of every file once it is in place (so a caller knows what to restore). */
export async function executeChanges(host: string, changes: readonly Change[], shell: HostShell, emit: Emit, onWritten?: (change: WriteFileChange) => void): Promise<void> {
  for (const change of changes) {
    emit({ type: 'host-step', host, step: describeChange(change) });
    switch (change.kind) {
      case 'write-file':
        await shell.check(writeFileCommand(change));
        onWritten?.(change);
        break;
      case 'apply-docker-config':
        await shell.check(applyDockerConfigCommand(change));
        break;
      case 'exec':
        await shell.check({ script: change.script, label: change.label });
        break;
    }
  }
}
