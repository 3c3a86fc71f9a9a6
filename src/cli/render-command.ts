// `fleet render boot-hook`: the files to bake into a client image, from the inventory. Hosts are
// not contacted.
import path from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import type { Host, Inventory } from '../inventory/model.js';
import { bootHookFiles, type BootHookFile } from '../modules/boot-hook/files.js';
import { formatForStdout, writeFiles, type WriteStatus } from '../schedule/output.js';
import { requiredSources, resolveHosts, withInventoryFlags, type InventoryFlags } from './common.js';
import { EXIT } from './exit-codes.js';

interface RenderFlags extends InventoryFlags {
  what: string;
  out?: string;
  force: boolean;
  limit?: string;
}

export const renderCommand = {
  command: 'render <what> [inventory-file]',
  describe: 'render files to install by other means; boot-hook: the docker.service hook to bake into client images',
  builder: (yargs: Argv) =>
    withInventoryFlags(yargs, 'inventory, or -i, repeatable; hosts are not contacted')
      .positional('what', { type: 'string', choices: ['boot-hook'], describe: 'boot-hook: a merge script and a docker.service drop-in that put the mirrors back before every docker start' })
      .option('out', { type: 'string', describe: 'write each file under DIR at its absolute path (DIR/usr/local/sbin/...) instead of printing them' })
      .option('force', { type: 'boolean', default: false, describe: 'with --out: replace files that exist with other content' })
      .option('limit', { alias: 'l', type: 'string', describe: 'the clients the image is for, when the inventory gives clients different mirrors' }),
  handler: async (argv: RenderFlags): Promise<number> => {
    const { inventory, hosts } = await resolveHosts(requiredSources(argv, 'render boot-hook'), argv.limit);
    const files = bootHookFilesFor(inventory, hosts);
    if (argv.out === undefined) {
      process.stdout.write(formatForStdout(files.map(asRendered)));
      process.stderr.write(`${installSteps(files, 'DIR').join('\n')}\n`);
      return EXIT.ok;
    }
    const out = path.resolve(argv.out);
    const results = await writeFiles(out, files.map(asRendered), argv.force);
    process.stdout.write([...results.map((r) => `${WRITE_LABEL[r.status]} ${r.file}`), ...installSteps(files, out)].join('\n') + '\n');
    return EXIT.ok;
  },
};

const WRITE_LABEL: Record<WriteStatus, string> = { created: 'wrote    ', replaced: 'replaced ', unchanged: 'unchanged' };

/**
 * The hook of the selected clients. An image serves every client built from it, so they must all
 * get the same mirrors and daemon.json path; if not, say which clients differ and how to choose.
 */
export function bootHookFilesFor(inventory: Inventory, selected: readonly Host[]): BootHookFile[] {
  const clients = new Set(inventory.clients.map((h) => h.name));
  const hosts = selected.filter((h) => clients.has(h.name));
  if (hosts.length === 0) throw new UsageError('no client selected: the boot hook is for clients (the "clients" group)');
  const variants = new Map<string, { settings: ReturnType<Inventory['clientSettings']>; hosts: string[] }>();
  for (const host of hosts) {
    const settings = inventory.clientSettings(host);
    const key = JSON.stringify([settings.daemonJsonPath, settings.mirrors]);
    const variant = variants.get(key) ?? { settings, hosts: [] };
    variant.hosts.push(host.name);
    variants.set(key, variant);
  }
  if (variants.size > 1) {
    const lines = [...variants.values()].map((v) => `  mirrors ${JSON.stringify(v.settings.mirrors)} in ${v.settings.daemonJsonPath}: ${v.hosts.join(', ')}`);
    throw new UsageError(`the selected clients do not all get the same mirrors, and one image carries one hook:\n${lines.join('\n')}\nrender one hook per image with --limit (a group or the hosts built from that image)`);
  }
  const { script, dropIn } = bootHookFiles([...variants.values()][0]!.settings);
  return [script, dropIn];
}

function asRendered(file: BootHookFile) {
  return { name: file.path, content: file.content, mode: file.mode };
}

/** How the files get into an image (or onto a running machine), as lines to print. */
function installSteps(files: readonly BootHookFile[], dir: string): string[] {
  return [
    'next steps: in the image build (e.g. a Packer shell provisioner), as root:',
    ...files.map((f) => `  install -D -o root -g root -m ${f.mode.toString(8).padStart(4, '0')} ${path.posix.join(dir, f.path)} ${f.path}`),
    'on a running machine, then: systemctl daemon-reload (the hook runs at the next docker start)',
  ];
}
