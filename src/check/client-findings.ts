// What `fleet check` finds on a Docker client: the facts apply reads, compared with the inventory
// and with each other (file vs running daemon). Pure: facts in, findings out.
import type { Finding } from '../core/finding.js';
import type { ClientFacts } from '../facts/docker-client.js';
import type { ClientSettings } from '../inventory/model.js';
import { fileMirrors, hasMirrorsKey, MIRRORS_KEY, sameMirrors, type DaemonJson } from '../modules/docker-daemon/daemon-json.js';
import { canonicalMirror } from '../core/mirror-url.js';
import { readDaemonJson } from '../modules/docker-daemon/plan.js';
import { bootHookExpectation, bootHookFindings, bootHookState } from '../modules/boot-hook/state.js';

/** `fixCommand`: the apply command line that brings this host back (named in drift findings). */
export function clientFindings(settings: ClientSettings, facts: ClientFacts, fixCommand: string): Finding[] {
  const path = settings.daemonJsonPath;
  const json = readDaemonJson(facts);
  // The hook is judged from its own files, whatever state daemon.json is in.
  const hook = bootHookFindings(bootHookState(bootHookExpectation(settings), facts.bootHook), fixCommand);
  const unreadable = readabilityFindings(path, facts, json);
  if (unreadable.length > 0) return [...unreadable, ...hook]; // nothing else can be judged reliably
  const findings: Finding[] = [];

  const wanted = settings.mirrors;
  const inFile = fileMirrors(json);
  const subject = `${MIRRORS_KEY} in ${path}`;
  if (!(inFile && sameMirrors(inFile, wanted))) {
    findings.push({ kind: 'daemon-json-mirrors', severity: 'drift', subject, expected: show(wanted), found: describeFileMirrors(json, inFile), fix: fixCommand });
  }

  // The running daemon against the file: a file edited but never applied, or applied and then
  // edited. A daemon reads daemon.json only at start and reload, so the two can disagree.
  const effectiveFile = inFile ?? [];
  if (facts.activeMirrors === undefined) {
    findings.push({ kind: 'daemon-mirrors-unknown', severity: 'error', subject: 'mirrors of the running dockerd', expected: show(wanted), found: `no answer from docker info (${facts.dockerInfoError ?? 'no output'})`, fix: 'make `docker info` work on the host (is the docker CLI installed, does the SSH user reach the socket?)' });
  } else if (!sameMirrors(facts.activeMirrors, effectiveFile)) {
    findings.push({
      kind: 'daemon-not-applied',
      severity: 'drift',
      subject: 'mirrors of the running dockerd',
      expected: `${show(effectiveFile)} as in ${path}`,
      found: `${show(facts.activeMirrors)} (the file was edited and not applied, or applied and then edited)`,
      fix: fixCommand,
    });
  }

  if (facts.mirrorFlagSources.length > 0) {
    findings.push({
      kind: 'mirror-flag-conflict',
      severity: 'drift',
      subject: 'dockerd flags',
      expected: `no --registry-mirror flag (mirrors belong in ${path})`,
      found: facts.mirrorFlagSources.join('; '),
      fix: `remove the --registry-mirror flag, then ${fixCommand}`,
    });
  }

  for (const probe of facts.probes.filter((p) => !p.ok)) {
    findings.push({
      kind: 'mirror-unreachable',
      severity: 'drift',
      subject: `GET ${canonicalMirror(probe.url)}/v2/ from this host`,
      expected: 'HTTP 200',
      found: probe.detail,
      fix: 'check the cache host (`fleet check --limit <cache host>`) and the network between this host and the mirror',
    });
  }
  return [...findings, ...hook];
}

function readabilityFindings(path: string, facts: ClientFacts, json: DaemonJson): Finding[] {
  if (!facts.dockerd.running) {
    return [{ kind: 'dockerd-down', severity: 'error', subject: 'dockerd', expected: 'running', found: 'no dockerd process', fix: 'start docker on the host (systemctl start docker), then check again' }];
  }
  if (facts.daemonJson.problem) {
    return [{ kind: 'daemon-json-unreadable', severity: 'error', subject: path, expected: 'a readable regular file (or none)', found: facts.daemonJson.problem, fix: 'fix the file or the SSH user\'s access (ansible_become)' }];
  }
  if (json.kind === 'invalid') {
    return [{ kind: 'daemon-json-invalid', severity: 'error', subject: path, expected: 'a JSON object', found: json.error, fix: 'fix the file by hand: dockerd will not start with it, and fleet apply will not edit it' }];
  }
  return [];
}

function describeFileMirrors(json: DaemonJson, inFile: readonly string[] | undefined): string {
  if (json.kind === 'absent') return 'no such file';
  if (inFile) return show(inFile);
  if (hasMirrorsKey(json)) return `${MIRRORS_KEY} is not a list of URLs`;
  return `no ${MIRRORS_KEY} key`;
}

function show(mirrors: readonly string[]): string {
  return JSON.stringify(mirrors);
}
