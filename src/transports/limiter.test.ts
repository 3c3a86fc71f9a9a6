import { describe, expect, it } from 'vitest';
import { KeyedLimiter, Semaphore } from './limiter.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('never runs more than the limit at once, in FIFO order', async () => {
    const sem = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sem.run(async () => {
          order.push(i);
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sem.idle).toBe(true);
  });

  it('ignores a second release of the same slot', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    release();
    release();
    expect(sem.active).toBe(0);
    const again = await sem.acquire();
    let second = false;
    void sem.acquire().then(() => (second = true));
    await tick();
    expect(second).toBe(false);
    again();
    await tick();
    expect(second).toBe(true);
  });

  it('lowers and raises its limit', async () => {
    const sem = new Semaphore(2);
    const r1 = await sem.acquire();
    const r2 = await sem.acquire();
    sem.setLimit(1);
    let got = false;
    void sem.acquire().then(() => (got = true));
    r1();
    await tick();
    expect(got).toBe(false); // still one active, limit 1
    sem.setLimit(2);
    await tick();
    expect(got).toBe(true);
    r2();
  });

  it('rejects bad limits', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe('KeyedLimiter', () => {
  it('limits per key independently and forgets idle keys', async () => {
    const limiter = new KeyedLimiter(1);
    const a = await limiter.acquire('a');
    const b = await limiter.acquire('b');
    let a2 = false;
    const pending = limiter.acquire('a').then((r) => {
      a2 = true;
      return r;
    });
    await tick();
    expect(a2).toBe(false);
    a();
    (await pending)();
    b();
    expect(limiter.size).toBe(0);
  });
});
