// The plan every module returns: refuse with a reason, in sync, or changes plus what to verify
// once they are carried out. `V` is the module's own verification data, checked against facts
// read again after the changes (a pure function of the module). Notes are things the operator
// should know that change nothing (e.g. "a running podman system service was told to reload").
export type ModulePlan<C, V> =
  | { readonly kind: 'refuse'; readonly reason: string }
  | { readonly kind: 'in-sync'; readonly reason: string; readonly notes: readonly string[] }
  | { readonly kind: 'change'; readonly changes: readonly C[]; readonly verify: V; readonly notes: readonly string[] };
