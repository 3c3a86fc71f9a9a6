import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSh } from '../../test/unit/sh.js';
import { sha256 } from '../core/hash.js';
import { bootHookFiles, DATA_VARIABLE, parseDataLines } from '../modules/boot-hook/files.js';
import { bootHookFactsCommand, parseBootHookFacts, type BootHookFactArgs } from './boot-hook.js';

function layout(): BootHookFactArgs & { dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-hook-facts-'));
  return { dir, scriptPath: path.join(dir, 'sbin', 'fleet-docker-mirrors'), dropInPath: path.join(dir, 'docker.service.d', 'fleet-mirrors.conf'), dataPrefix: `${DATA_VARIABLE}=` };
}

const read = (args: BootHookFactArgs) => parseBootHookFacts(runSh(bootHookFactsCommand(args)));

describe('boot hook facts (run by a real sh)', () => {
  it('absent files', () => {
    expect(read(layout())).toEqual({ script: { kind: 'absent' }, scriptDataLines: [], dropIn: { kind: 'absent' } });
  });

  it('the sha256 of each file and the script data line, which reads back as the data', () => {
    const args = layout();
    const files = bootHookFiles({ daemonJsonPath: '/etc/docker/daemon.json', mirrors: ["http://m.example/it's", 'http://10.0.0.5'] });
    mkdirSync(path.dirname(args.scriptPath));
    mkdirSync(path.dirname(args.dropInPath));
    writeFileSync(args.scriptPath, files.script.content);
    writeFileSync(args.dropInPath, files.dropIn.content);
    const facts = read(args);
    expect(facts.script).toEqual({ kind: 'file', sha256: sha256(files.script.content), content: files.script.content });
    expect(facts.dropIn).toEqual({ kind: 'file', sha256: sha256(files.dropIn.content), content: files.dropIn.content });
    expect(parseDataLines(facts.scriptDataLines)).toEqual({ data: { daemonJson: '/etc/docker/daemon.json', mirrors: ["http://m.example/it's", 'http://10.0.0.5'] } });
  });

  it('never runs the script it reads', () => {
    const args = layout();
    const marker = path.join(args.dir, 'ran');
    mkdirSync(path.dirname(args.scriptPath));
    writeFileSync(args.scriptPath, `#!/bin/sh\ntouch ${marker}\n${DATA_VARIABLE}='{}'\n`, { mode: 0o755 });
    const facts = read(args);
    expect(facts.scriptDataLines).toEqual([`${DATA_VARIABLE}='{}'`]);
    expect(runSh({ script: `test -e ${marker}` }).exitCode).toBe(1);
  });

  it('a file that is not UTF-8 has its sha256 but no content (it could not be put back as it was)', () => {
    const args = layout();
    mkdirSync(path.dirname(args.scriptPath));
    writeFileSync(args.scriptPath, Buffer.from([0x23, 0x21, 0xff, 0xfe, 0x0a]));
    expect(read(args).script).toEqual({ kind: 'file', sha256: sha256(Buffer.from([0x23, 0x21, 0xff, 0xfe, 0x0a])) });
  });

  it('a directory or a dangling link is unreadable, not absent', () => {
    const args = layout();
    mkdirSync(args.scriptPath, { recursive: true });
    mkdirSync(path.dirname(args.dropInPath));
    symlinkSync('/nonexistent/fleet-mirrors.conf', args.dropInPath);
    const facts = read(args);
    expect(facts.script).toEqual({ kind: 'unreadable', detail: 'directory' });
    expect(facts.dropIn.kind).toBe('unreadable');
    expect(facts.scriptDataLines).toEqual([]);
  });
});
