// The plan every module returns: refuse with a reason, in sync, or changes plus what to verify
// once they are carried out. `V` is the module's own verification data, checked against facts
// read again after the changes (a pure function of the module). Notes are things the operator
// should know that change nothing (e.g. "a running podman system service was told to reload");
// they end the outcome's message. Warnings are shown as warnings, whatever the plan's kind.
import type { Change } from './change.js';

export type ModulePlan<V, C = Change> =
  /** `conflict`: another configuration on the host already decides what fleet would set. */
  | { readonly kind: 'refuse'; readonly reason: string; readonly conflict?: boolean; readonly warnings?: readonly string[] }
  | { readonly kind: 'in-sync'; readonly reason: string; readonly notes?: readonly string[]; readonly warnings?: readonly string[] }
  | { readonly kind: 'change'; readonly changes: readonly C[]; readonly verify: V; readonly notes?: readonly string[]; readonly warnings?: readonly string[] };

export type ChangePlan<V> = Extract<ModulePlan<V>, { kind: 'change' }>;
