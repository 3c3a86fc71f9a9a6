// A hermetic PATH for running a facts script for real: stub commands (shell bodies) plus symlinks
// to the few real tools it may use, so nothing else on the machine (curl, docker) leaks in.
import { chmodSync, existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function stubPath(realTools: readonly string[], commands: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-stubs-'));
  for (const tool of realTools.filter((t) => !(t in commands))) {
    const real = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (real) symlinkSync(real, join(dir, tool));
  }
  for (const [name, body] of Object.entries(commands)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}
