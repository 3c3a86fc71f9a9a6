// The container runtimes fleet configures on a client, by the name the inventory uses
// (`container_runtime`) and the runtime modules report.
export const RUNTIMES = ['docker', 'podman', 'containerd'] as const;
export type Runtime = (typeof RUNTIMES)[number];
