// Kubernetes: a batch/v1 CronJob running fleet check (or apply) in the fleet image, and the two
// ConfigMaps it reads (inventory, known_hosts). With --shards K its Job is an Indexed Job whose
// pod I runs shard I+1 of K. Secrets are not rendered: the next steps create them with kubectl,
// so re-applying this file never replaces a real key with an empty one.
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Document, stringify } from 'yaml';
import { cronExpression } from './cron-expression.js';
import { escapeExpansion } from './escape.js';
import { calendarCadence, formatDuration } from './duration.js';
import { podResources, type PodResources } from './kubernetes-resources.js';
import { shardCommand } from './kubernetes-shard.js';
import { EXIT_MEANINGS, RUN_TITLES, runArgv, scheduleSeed, type KubernetesSchedule, type Rendering } from './spec.js';

/** Where the pod finds what fleet reads (HOME is the image's; the rest are mounts). */
export const POD = {
  home: '/home/fleet',
  workdir: '/var/lib/fleet',
  inventoryDir: '/etc/fleet/inventory',
  knownHosts: '/etc/fleet/known-hosts/known_hosts',
  /** The Dockerfile's USER: the pod must run as the user the image was built for. */
  uid: 10001,
} as const;

/** The exit statuses that are fleet's verdict (README "Exit codes"): retrying cannot change them. */
const VERDICT_EXIT_CODES = { check: [1, 2, 4, 6], apply: [1, 4] } as const;
const RETRIES = 2;

/** Files and scripts verbatim (`|` blocks, never folded), no anchors: plain for kubectl and for reviewers. */
const YAML_OUT = { lineWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false } as const;

function secretNames(name: string): { ssh: string; env: string } {
  return { ssh: `${name}-ssh`, env: `${name}-env` };
}

export function renderKubernetes(spec: KubernetesSchedule, outDir: string | undefined): Rendering {
  const schedule = cronExpression(calendarCadence(spec.everySeconds, 'Kubernetes'), scheduleSeed(spec.name, spec.run));
  const resources = podResources(spec.run.command, spec.hostsPerShard, spec.hostsSource);
  const labels = { 'app.kubernetes.io/name': 'fleet', 'app.kubernetes.io/instance': spec.name, 'app.kubernetes.io/component': spec.run.command };
  const meta = (name: string) => ({ name, ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }), labels });
  const inventory: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${spec.name}-inventory`),
    data: Object.fromEntries(spec.inventoryFiles.map((f) => [f.key, f.content])),
  };
  const knownHosts: IConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${spec.name}-known-hosts`), data: { known_hosts: spec.knownHosts } };
  const cronJob: ICronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta(spec.name),
    spec: {
      schedule: schedule.fields,
      timeZone: 'Etc/UTC',
      // A run still going when the next is due makes that one skip: never two runs on one fleet.
      concurrencyPolicy: 'Forbid',
      // Missed by more than this (controller down), a run is skipped, not started late.
      startingDeadlineSeconds: Math.min(600, Math.floor(spec.everySeconds / 2)),
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { metadata: { labels }, spec: jobSpec(spec, labels, resources) },
    },
  };
  const doc = new Document(cronJob, { aliasDuplicateObjects: false });
  const resourcesNode = doc.getIn(['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'resources'], true) as { commentBefore?: string } | undefined;
  if (resourcesNode) resourcesNode.commentBefore = resources.explanation.join('\n');
  doc.commentBefore = header(spec, schedule.describe);
  const content = [stringify(inventory, YAML_OUT), stringify(knownHosts, YAML_OUT), doc.toString(YAML_OUT)].join('---\n');
  const file = `${spec.name}.yaml`;
  return { files: [{ name: file, content }], nextSteps: nextSteps(spec, outDir === undefined ? file : `${outDir}/${file}`) };
}

function jobSpec(spec: KubernetesSchedule, labels: Record<string, string>, resources: PodResources): IJobSpec {
  const verdicts = [...VERDICT_EXIT_CODES[spec.run.command]];
  const sharded = spec.shards > 1;
  return {
    ...(sharded
      ? // Pod I gets JOB_COMPLETION_INDEX=I; a failed shard is retried alone and never stops the others.
        { completionMode: 'Indexed', completions: spec.shards, parallelism: spec.shards, backoffLimitPerIndex: RETRIES }
      : { backoffLimit: RETRIES }),
    // The interval, as the systemd unit's timeout: a hung run cannot block the schedule (Forbid).
    activeDeadlineSeconds: spec.everySeconds,
    podFailurePolicy: {
      rules: [
        // fleet's own verdicts (drift, unreachable hosts, bad inventory) are final: no retry.
        { action: sharded ? 'FailIndex' : 'FailJob', onExitCodes: { containerName: 'fleet', operator: 'In', values: verdicts } },
        // Evicted or preempted: not the run's fault, retried without counting.
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      ],
    },
    template: { metadata: { labels }, spec: podSpec(spec, resources) },
  };
}

function podSpec(spec: KubernetesSchedule, resources: PodResources): IPodSpec {
  const secrets = secretNames(spec.name);
  const argv = runArgv(spec.run, true);
  const container: IContainer = {
    name: 'fleet',
    image: spec.image,
    ...(spec.shards > 1 ? shardCommand(argv, spec.shards) : { command: ['fleet'], args: argv.map(escapeExpansion) }),
    workingDir: POD.workdir,
    env: [
      { name: 'HOME', value: POD.home },
      ...spec.envVars.map((name) => ({ name, valueFrom: { secretKeyRef: { name: secrets.env, key: name } } })),
    ],
    resources: { requests: { ...resources.requests }, limits: { ...resources.limits } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'ssh-key', mountPath: `${POD.home}/.ssh`, readOnly: true },
      { name: 'inventory', mountPath: POD.inventoryDir, readOnly: true },
      { name: 'known-hosts', mountPath: dirname(POD.knownHosts), readOnly: true },
      // The only writable places: the working directory (apply's run journal, .fleet/) and /tmp.
      { name: 'work', mountPath: POD.workdir },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
  return {
    restartPolicy: 'Never',
    // fleet never talks to the Kubernetes API.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: POD.uid,
      runAsGroup: POD.uid,
      // Secret files are root-owned: kubelet gives them this group (mode 0400 becomes 0440).
      fsGroup: POD.uid,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [container],
    volumes: [
      // 0400 (decimal 256): only the pod's user reads the key; fleet finds it as ~/.ssh/id_ed25519.
      { name: 'ssh-key', secret: { secretName: secrets.ssh, defaultMode: 0o400, items: [{ key: 'ssh-privatekey', path: 'id_ed25519' }] } },
      {
        name: 'inventory',
        configMap: {
          name: `${spec.name}-inventory`,
          defaultMode: 0o444,
          // Executable inventories (scripts) must stay executable: fleet runs them.
          items: spec.inventoryFiles.map((f) => ({ key: f.key, path: f.key, ...(f.executable ? { mode: 0o555 } : {}) })),
        },
      },
      { name: 'known-hosts', configMap: { name: `${spec.name}-known-hosts`, defaultMode: 0o444 } },
      { name: 'work', emptyDir: {} },
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
    ],
  };
}

function dirname(file: string): string {
  return file.slice(0, file.lastIndexOf('/'));
}

function header(spec: KubernetesSchedule, describe: string): string {
  const shards = spec.shards > 1 ? `, in ${spec.shards} shards (an Indexed Job: pod I runs --shard I+1/${spec.shards})` : '';
  return [
    ` ${RUN_TITLES[spec.run.command]}: every ${formatDuration(spec.everySeconds)} (${describe}, UTC)${shards}.`,
    ` Rendered by \`fleet schedule --format kubernetes\`. Exit statuses: ${EXIT_MEANINGS[spec.run.command]}.`,
    ' The JSON report is the pod log (kubectl logs). Secrets are created with kubectl, not here.',
  ].join('\n');
}

function nextSteps(spec: KubernetesSchedule, file: string): string[] {
  const ns = spec.namespace === undefined ? '' : ` -n ${spec.namespace}`;
  const secrets = secretNames(spec.name);
  const envFile = `${spec.name}.env`;
  return [
    `docker build -t ${spec.image} . && docker push ${spec.image}   # from the fleet repository (Dockerfile)`,
    ...(spec.namespace === undefined ? [] : [`kubectl create namespace ${spec.namespace}   # if it does not exist`]),
    `kubectl${ns} create secret generic ${secrets.ssh} --type=kubernetes.io/ssh-auth --from-file=ssh-privatekey=PATH/TO/PRIVATE_KEY`,
    ...(spec.envVars.length === 0
      ? []
      : [`kubectl${ns} create secret generic ${secrets.env} --from-env-file=${envFile}   # ${envFile}: one NAME=value a line for ${spec.envVars.join(', ')}; keep it out of git, delete it after`]),
    `kubectl${ns} apply -f ${file}`,
    `kubectl${ns} create job --from=cronjob/${spec.name} ${spec.name}-first   # a first run now; then: kubectl${ns} logs -l job-name=${spec.name}-first`,
  ];
}
