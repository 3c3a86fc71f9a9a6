import { describe, expect, it } from 'vitest';
import { mirrorReachability } from './reachability.js';

const up = (url: string) => ({ url, ok: true, detail: 'HTTP 200 via curl' });
const down = (url: string) => ({ url, ok: false, detail: 'no answer via curl (exit 7: connection refused or unreachable)' });

describe('mirrorReachability', () => {
  it('is fine when every mirror answers, and when nothing was probed', () => {
    expect(mirrorReachability([up('http://a'), up('http://b')])).toEqual({ warnings: [] });
    expect(mirrorReachability([])).toEqual({ warnings: [] });
  });

  it('refuses when none of the mirrors answers, naming each', () => {
    const r = mirrorReachability([down('http://a'), down('http://b')]);
    expect(r.warnings).toEqual([]);
    expect(r.refuse).toBe('mirror http://a does not answer GET /v2/ from this host: no answer via curl (exit 7: connection refused or unreachable); ' +
      'mirror http://b does not answer GET /v2/ from this host: no answer via curl (exit 7: connection refused or unreachable)');
  });

  it('only warns about a dead cache while another answers', () => {
    const r = mirrorReachability([down('http://a'), up('http://b'), down('http://c'), up('http://d')]);
    expect(r.refuse).toBeUndefined();
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/^mirror http:\/\/a does not answer .*configured anyway: http:\/\/b, http:\/\/d answer, and the runtime skips a dead mirror$/);
    expect(r.warnings[1]).toMatch(/^mirror http:\/\/c /);
  });
});
