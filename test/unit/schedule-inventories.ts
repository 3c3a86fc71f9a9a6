// Inventory texts shared by the schedule tests.

/** Reads three variables from the environment, one of them a port (a number once read). */
export const INVENTORY_WITH_ENV = `all:
  vars:
    registry_proxy_username: "{{ env.HUB_USER }}"
    registry_proxy_password: "{{ env.HUB_TOKEN }}"
  children:
    cache:
      hosts:
        cache-1: { ansible_host: 192.0.2.1, ansible_port: "{{ env.CACHE_PORT }}" }
    clients:
      hosts:
        nomad-1: { ansible_host: 192.0.2.11 }
`;
