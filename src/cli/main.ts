// The one error boundary: every command returns an exit code; process.exit happens only here.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InventoryError, RunRefused, UsageError } from '../core/errors.js';
import { visible } from '../core/terminal-text.js';
import { applyCommand } from './apply-command.js';
import { checkCommand } from './check-command.js';
import { inventoryCommand } from './inventory-command.js';
import { rollbackCommand } from './rollback-command.js';
import { renderCommand } from './render-command.js';
import { reportCommand } from './report-command.js';
import { scheduleCommand } from './schedule-command.js';
import { EXIT } from './exit-codes.js';

type Handler = (argv: never) => Promise<number>;

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const wrap = (handler: Handler) => async (args: unknown) => {
    code = await handler(args as never);
  };
  await yargs(argv)
    .scriptName('fleet')
    .usage('$0 <command> [options]\n\nProvision a Docker Hub pull-through cache and point a fleet of Docker hosts at it, over SSH.')
    .command({ ...applyCommand, handler: wrap(applyCommand.handler) } as never)
    .command({ ...rollbackCommand, handler: wrap(rollbackCommand.handler) } as never)
    .command({ ...checkCommand, handler: wrap(checkCommand.handler) } as never)
    .command({ ...scheduleCommand, handler: wrap(scheduleCommand.handler) } as never)
    .command({ ...renderCommand, handler: wrap(renderCommand.handler) } as never)
    .command({ ...inventoryCommand, handler: wrap(inventoryCommand.handler) } as never)
    .command({ ...reportCommand, handler: wrap(reportCommand.handler) } as never)
    .demandCommand(1, 'name a command: apply, rollback, check, schedule, inventory, render, report')
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .parseAsync();
  return code;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; should a stray socket keep the loop alive, do not hang a cron job.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    if (err instanceof InventoryError) {
      process.stderr.write(`fleet: invalid inventory:\n${err.message}\n`);
    } else if (err instanceof UsageError) {
      process.stderr.write(`fleet: ${err.message}\nRun 'fleet --help' for usage.\n`);
    } else if (err instanceof RunRefused) {
      process.stderr.write(`fleet: ${visible(err.message)}\n`);
    } else {
      process.stderr.write(`fleet: ${visible((err as Error).stack ?? String(err), true)}\n`);
    }
    process.exitCode = EXIT.usage;
  },
);
