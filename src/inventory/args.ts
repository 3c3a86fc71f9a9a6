// How inventory sources are written on a fleet command line (in a fix command, a schedule):
// one source as the positional argument, as fleet always took it; several as repeated -i.

export function inventoryArgs(sources: readonly string[]): string[] {
  return sources.length === 1 ? [...sources] : sources.flatMap((s) => ['-i', s]);
}
