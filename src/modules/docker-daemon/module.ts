// The Docker client as a converge module: client facts in, a plan (apply or rollback) out, and
// what the host must show afterwards: the daemon's mirrors and, when the plan touched it, the
// boot hook's files.
import type { ConvergeModule } from '../../core/module.js';
import { clientFactsCommand, parseClientFacts, type ClientFactArgs, type ClientFacts } from '../../facts/docker-client.js';
import { bootHookShortfall } from '../boot-hook/plan.js';
import { sameMirrors } from './daemon-json.js';
import { daemonJsonTarget, type ClientPlan, type DockerVerify } from './plan.js';
import { dockerRestorePlan } from './restore-plan.js';

export function dockerModule(args: ClientFactArgs, plan: (facts: ClientFacts) => ClientPlan): ConvergeModule<ClientFacts, DockerVerify> {
  return {
    name: 'docker',
    factsCommand: () => clientFactsCommand(args),
    parseFacts: (result) => parseClientFacts(result, args),
    plan,
    verify: verifyDocker,
    changedMessage: ({ verify }) => `mirrors now ${JSON.stringify(verify.mirrors)}${verify.hook ? `; boot hook ${verify.hook.goal}` : ''}`,
    restore: (written, planned, facts) => dockerRestorePlan(written, planned, daemonJsonTarget(args.daemonJsonPath, facts).path),
  };
}

/** The daemon shows exactly the planned mirrors, and the hook's files are as the plan left them. */
export function verifyDocker(facts: ClientFacts, verify: DockerVerify): string | undefined {
  if (facts.activeMirrors === undefined) return `cannot read the daemon's mirrors: ${facts.dockerInfoError ?? 'docker info gave no answer'}`;
  if (!sameMirrors(facts.activeMirrors, verify.mirrors)) return `the daemon shows mirrors ${JSON.stringify(facts.activeMirrors)}, expected ${JSON.stringify(verify.mirrors)}`;
  return verify.hook ? bootHookShortfall(verify.hook.goal, verify.hook.expected, facts.bootHook) : undefined;
}
