import { describe, expect, it, vi } from 'vitest';
import { Secret } from '../core/command.js';
import type { RunEvent } from '../runner/events.js';
import { JsonReporter } from './json.js';
import { ListrReporter } from './listr.js';
import { PlainReporter } from './plain.js';
import { chooseReporterKind } from './reporter.js';

const outcome = { host: 'client-1', status: 'failed' as const, message: 'daemon.json is not valid JSON', changes: [], durationMs: 12 };
const events: RunEvent[] = [
  { type: 'run-start', runId: 'r1', command: 'apply', check: false, inventory: 'inv.yml', hosts: ['client-1'] },
  { type: 'phase', name: 'clients', hosts: ['client-1'] },
  { type: 'host-step', host: 'client-1', step: 'reading facts' },
  { type: 'warning', host: 'client-1', message: 'careful' },
  { type: 'host-done', outcome },
  { type: 'run-done', runId: 'r1', recap: { ok: 0, changed: 0, drift: 0, failed: 1, unreachable: 0, skipped: 0 }, outcomes: [outcome], problems: ['cache never healthy'], durationMs: 40 },
];

describe('reporters', () => {
  it('are chosen from explicit inputs: --json, then a TTY outside CI, else plain lines', () => {
    expect(chooseReporterKind({ json: true, isTTY: true, ci: false })).toBe('json');
    expect(chooseReporterKind({ json: false, isTTY: true, ci: false })).toBe('listr');
    expect(chooseReporterKind({ json: false, isTTY: true, ci: true })).toBe('plain');
    expect(chooseReporterKind({ json: false, isTTY: false, ci: false })).toBe('plain');
  });

  it('--json writes only JSON lines, the last one the summary', () => {
    let out = '';
    const reporter = new JsonReporter((t) => (out += t));
    events.forEach((e) => reporter.handle(e));
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(events.length);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', recap: { failed: 1 }, problems: ['cache never healthy'] });
  });

  it('never serialises a secret value', () => {
    let out = '';
    new JsonReporter((t) => (out += t)).handle({ type: 'warning', message: 'x', ...({ secret: new Secret('tok-999') } as object) } as RunEvent);
    expect(out).not.toContain('tok-999');
  });

  it('plain output ends with a recap naming each host, its status and why', () => {
    let out = '';
    const reporter = new PlainReporter((t) => (out += t));
    events.forEach((e) => reporter.handle(e));
    expect(out).toMatch(/\[client-1\] WARNING: careful/);
    expect(out).toMatch(/RECAP\nclient-1 : failed +daemon.json is not valid JSON/);
    expect(out).toMatch(/total +: ok=0 changed=0 failed=1 unreachable=0 skipped=0/);
    expect(out).toMatch(/RUN FAILED: cache never healthy/);
  });

  it('plain output shows each batch, and why later hosts were skipped', () => {
    let out = '';
    const reporter = new PlainReporter((t) => (out += t));
    const reason = 'rollout stopped after batch 1 of 2: 1 of 1 host(s) failed or unreachable (100%; no failure is allowed in the first batch without --max-fail-percent)';
    const skipped = { host: 'client-2', status: 'skipped' as const, message: `not attempted: ${reason}`, changes: [], durationMs: 0 };
    const stopped: RunEvent[] = [
      { type: 'phase', name: 'clients (batch 1/2)', hosts: ['client-1'], batch: { index: 1, count: 2 } },
      { type: 'host-done', outcome },
      { type: 'warning', message: reason },
      { type: 'phase', name: 'clients (not attempted: rollout stopped)', hosts: ['client-2'] },
      { type: 'host-done', outcome: skipped },
      { type: 'run-done', runId: 'r1', recap: { ok: 0, changed: 0, failed: 1, unreachable: 0, skipped: 1 }, outcomes: [outcome, skipped], problems: [reason], durationMs: 40 },
    ];
    stopped.forEach((e) => reporter.handle(e));
    expect(out).toMatch(/^== clients \(batch 1\/2\): client-1$/m);
    expect(out).toMatch(/^WARNING: rollout stopped after batch 1 of 2/m);
    expect(out).toMatch(/^client-2 : skipped +not attempted: rollout stopped after batch 1 of 2/m);
    expect(out).toMatch(/^RUN FAILED: rollout stopped after batch 1 of 2/m);
  });

  describe('text from hosts', () => {
    const osc52 = '\x1b]52;c;aGk=\x07';
    const hostile = { host: 'client-1', status: 'failed' as const, message: `not valid JSON (${osc52}\x1b[2J)\rclient-2 : ok`, changes: [`write x: ${osc52}`], durationMs: 1 };
    const hostileEvents: RunEvent[] = [
      { type: 'phase', name: 'clients', hosts: ['client-1'] },
      { type: 'host-step', host: 'client-1', step: `reload docker failed: ${osc52}` },
      { type: 'host-change', host: 'client-1', change: `write ${osc52}`, applied: false, diff: `-a\n+b${osc52}\n` },
      { type: 'warning', host: 'client-1', message: osc52 },
      { type: 'host-done', outcome: hostile },
      { type: 'verify', ok: false, message: osc52 },
      { type: 'run-done', runId: 'r1', recap: { ok: 0, changed: 0, drift: 0, failed: 1, unreachable: 0, skipped: 0 }, outcomes: [hostile], problems: [osc52], durationMs: 1, notes: [osc52] },
    ];

    it('reach the plain output with control characters made visible', () => {
      let out = '';
      const reporter = new PlainReporter((t) => (out += t));
      hostileEvents.forEach((e) => reporter.handle(e));
      expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      expect(out).toContain('\\x1b]52;c;aGk=\\x07');
      expect(out).toMatch(/^client-1 : failed +not valid JSON \(\\x1b]52;c;aGk=\\x07\\x1b\[2J\)\\rclient-2 : ok$/m);
      expect(out).toContain('-a\n+b\\x1b]52'); // a diff keeps its lines
    });

    it('reach the live (listr) output with control characters made visible', async () => {
      let out = '';
      const capture = (chunk: unknown) => ((out += String(chunk)), true);
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
      try {
        const reporter = new ListrReporter();
        hostileEvents.forEach((e) => reporter.handle(e));
        await reporter.close();
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
      }
      expect(out).toContain('RECAP');
      expect(out).not.toContain('\x1b]52');
      expect(out).not.toContain('\x07');
      expect(out).toContain('\\x1b]52;c;aGk=\\x07');
    });
  });
});
