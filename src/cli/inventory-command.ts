import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { ansibleGraph, ansibleHost, ansibleList } from '../inventory/export.js';
import { loadInventory } from '../inventory/load.js';
import { visible } from '../inventory/values.js';
import { requiredSources, withInventoryFlags, type InventoryFlags } from './common.js';
import { EXIT } from './exit-codes.js';

interface Flags extends InventoryFlags {
  list: boolean;
  graph?: string;
  host?: string;
}

export const inventoryCommand = {
  command: 'inventory [inventory-file]',
  describe: 'show what the inventory sources resolve to, as ansible-inventory does (hosts are not contacted)',
  builder: (yargs: Argv) =>
    withInventoryFlags(yargs, 'inventory, or -i, repeatable')
      .option('list', { type: 'boolean', default: false, describe: 'the resolved inventory as Ansible JSON (ansible-inventory --list); secrets as ***' })
      .option('graph', { type: 'string', describe: 'the group tree with its hosts, from GROUP [default: all]' })
      .option('host', { type: 'string', requiresArg: true, describe: "one host's resolved vars as JSON" })
      .check((argv) => {
        const chosen = [argv.list, argv.graph !== undefined, argv.host !== undefined].filter(Boolean).length;
        if (chosen !== 1) throw new UsageError('choose one of --list, --graph or --host NAME');
        return true;
      }),
  handler: async (argv: Flags): Promise<number> => {
    const inventory = await loadInventory(requiredSources(argv, 'inventory'), process.env);
    // What the sources left out (Nomad nodes, and why) goes to stderr: stdout stays Ansible's format.
    for (const note of inventory.notes) process.stderr.write(`fleet: ${note}\n`);
    let out: string | undefined;
    if (argv.list) out = ansibleList(inventory);
    else if (argv.host !== undefined) {
      out = ansibleHost(inventory, argv.host);
      if (out === undefined) throw new UsageError(`--host ${visible(argv.host)}: no such host in ${inventory.file}`);
    } else {
      const group = argv.graph || 'all';
      out = ansibleGraph(inventory, group);
      if (out === undefined) throw new UsageError(`--graph ${visible(group)}: no such group in ${inventory.file}`);
    }
    process.stdout.write(out);
    return EXIT.ok;
  },
};
