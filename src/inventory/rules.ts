// Rules about roles that hold for the inventory as a whole, once every source is merged: fleet
// needs clients, every host must have a role, every client a mirror, credentials come in pairs.
import type { FieldProblem } from '../core/errors.js';
import type { ClientSettings, Host } from './model.js';
import { type Origin, problemAt } from './raw.js';
import type { FleetVars } from './schema.js';

export const CACHE_GROUP = 'cache';
export const CLIENTS_GROUP = 'clients';

export interface RolesInput {
  readonly hosts: readonly Host[];
  readonly caches: readonly Host[];
  readonly clients: readonly Host[];
  readonly clientsGroup: { readonly at: Origin | null } | undefined;
  /** Where a host was first written, and whether its name was already reported. */
  readonly origin: (host: string) => { readonly at: Origin; readonly invalid: boolean } | undefined;
  /** Vars of a host whose value was invalid (already reported). */
  readonly invalidVars: ReadonlyMap<string, ReadonlySet<string>>;
  readonly clientSettings: (host: Host) => ClientSettings;
  /** Some sources were not resolved: the clients may all come from them. */
  readonly partial: boolean;
  /** For problems tied to no place (no clients group at all). */
  readonly fallbackFile: string;
}

export function checkRoles(input: RolesInput, problems: FieldProblem[]): void {
  const { caches, clients } = input;
  if (!input.partial) {
    if (!input.clientsGroup) {
      problems.push({ file: input.fallbackFile, path: CLIENTS_GROUP, message: 'there is no clients group: fleet needs at least one host in a group named clients' });
    } else if (clients.length === 0) {
      const at = input.clientsGroup.at ?? { file: input.fallbackFile, path: CLIENTS_GROUP };
      problems.push(problemAt(at, 'the clients group has no hosts'));
    }
  }
  const cacheSet = new Set(caches);
  const clientSet = new Set(clients);
  for (const host of input.hosts) {
    const info = input.origin(host.name);
    if (!info || info.invalid) continue;
    const bad = input.invalidVars.get(host.name) ?? new Set<string>();
    if (!cacheSet.has(host) && !clientSet.has(host)) {
      problems.push(problemAt(info.at, `host ${host.name} is in neither the cache nor the clients group, so fleet would do nothing with it`));
    }
    if (clientSet.has(host) && !bad.has('mirror_url') && caches.length === 0 && input.clientSettings(host).mirrors.length === 0 && !input.partial) {
      problems.push(problemAt(info.at, `client ${host.name} has no registry mirror: there are no cache hosts and it sets no mirror_url`));
    }
    if (cacheSet.has(host)) {
      const v = host.vars as FleetVars;
      const hasUser = v.registry_proxy_username !== undefined || bad.has('registry_proxy_username');
      const hasPass = v.registry_proxy_password !== undefined || bad.has('registry_proxy_password');
      if (hasUser !== hasPass) {
        problems.push(problemAt(info.at, `cache ${host.name}: registry_proxy_username and registry_proxy_password must be set together`));
      }
    }
  }
}
