// Replace a local file so that a reader (node_exporter's collector, systemd, cron, the next fleet
// run) sees the old content or the new one, never half a file. The one way fleet writes a local
// file: the --prometheus textfile, schedule --out, and the run journal.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Write `content` to a temporary file beside `file` (a dot-name ending in .tmp, which collectors
 * and cron ignore) with exactly `mode`, sync it, and rename it over `file`. The temporary name is
 * random and created exclusively, so a file or link someone planted there is never written
 * through; it is removed on failure.
 */
export async function writeFileAtomic(file: string, content: string, mode = 0o644): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(content);
      await handle.chmod(mode); // exactly `mode`, whatever the umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
