// Where rendered files go: stdout (a header per file) or a directory (never silently replacing a
// file that differs).
import { chmod, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { UsageError } from '../core/errors.js';
import type { RenderedFile } from './spec.js';

export type WriteStatus = 'created' | 'replaced' | 'unchanged';

/** Every file with a `# ==> name <==` header; `#` starts a comment in units, crontabs and YAML. */
export function formatForStdout(files: readonly RenderedFile[]): string {
  return files.map((f) => `# ==> ${f.name} <==\n${f.content}`).join('\n');
}

/**
 * Write every file into `dir` (a name may hold subdirectories; all are created if missing), each
 * atomically (writeFileAtomic) with its mode if it has one. A file
 * that exists with other content is replaced only with `force`; otherwise nothing at all is
 * written and the error names every such file.
 */
export async function writeFiles(dir: string, files: readonly RenderedFile[], force: boolean): Promise<Array<{ file: string; status: WriteStatus }>> {
  const plan = await Promise.all(
    files.map(async (f) => {
      const file = path.join(dir, f.name);
      const existing = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw new UsageError(`cannot read ${file}: ${err.message}`);
      });
      const status: WriteStatus = existing === undefined ? 'created' : existing === f.content ? 'unchanged' : 'replaced';
      return { file, content: f.content, mode: f.mode, status };
    }),
  );
  const conflicts = plan.filter((p) => p.status === 'replaced');
  if (conflicts.length && !force) {
    throw new UsageError(`${conflicts.map((c) => c.file).join(', ')} already exist${conflicts.length === 1 ? 's' : ''} with other content; nothing was written (--force replaces)`);
  }
  for (const p of plan) {
    await mkdir(path.dirname(p.file), { recursive: true });
    if (p.status !== 'unchanged') await writeFileAtomic(p.file, p.content, p.mode);
    else if (p.mode !== undefined) await chmod(p.file, p.mode);
  }
  return plan.map(({ file, status }) => ({ file, status }));
}
