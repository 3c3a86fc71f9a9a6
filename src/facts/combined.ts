// Several facts commands in one round trip: each runs in its own subshell, its stdout lines
// prefixed with its name and followed by its exit status, so each part is parsed as if it had run
// alone. stderr is shared (it is only ever shown, never parsed).
import type { Command, CommandResult } from '../core/command.js';

const EXIT_KEY = '__exit';

export function combinedFactsCommand(parts: Readonly<Record<string, Command>>): Command {
  const names = Object.keys(parts);
  for (const name of names) if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`facts part name ${JSON.stringify(name)}: lower-case letters, digits and - only`);
  const script = names
    .map((name) => `{ (\n${parts[name]!.script}\n); echo "${EXIT_KEY}=$?"; } | sed 's/^/${name}|/'`)
    .join('\n');
  return { script: `${script}\nexit 0`, label: names.map((n) => parts[n]!.label ?? n).join(' + ') };
}

/** One part's result, as if its command had run alone (its exit status; stdout lines unprefixed). */
export function factsPart(result: CommandResult, name: string): CommandResult {
  if (result.exitCode !== 0) return result;
  const prefix = `${name}|`;
  const lines = result.stdout.split('\n').filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  const exit = lines.find((l) => l.startsWith(`${EXIT_KEY}=`));
  const stdout = lines.filter((l) => l !== exit).map((l) => `${l}\n`).join('');
  return { exitCode: exit === undefined ? null : Number(exit.slice(EXIT_KEY.length + 1)), stdout, stderr: result.stderr };
}
