// Replace a local file so that a reader (node_exporter's collector, systemd, cron) sees the old
// content or the new one, never half a file.
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Write `content` to a temporary file beside `file` (a dot-name ending in .tmp, which collectors
 * and cron ignore) with exactly `mode`, sync it, and rename it over `file`. The temporary file is
 * removed on failure.
 */
export async function writeFileAtomic(file: string, content: string, mode = 0o644): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const handle = await open(temp, 'w', mode);
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
