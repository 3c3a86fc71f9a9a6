// Counting semaphores: a plain one, and one per key (created on demand, dropped when idle).

export type Release = () => void;

export class Semaphore {
  #limit: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = checkLimit(limit);
  }

  get limit(): number {
    return this.#limit;
  }
  get active(): number {
    return this.#active;
  }
  get waiting(): number {
    return this.#waiting.length;
  }
  get idle(): boolean {
    return this.#active === 0 && this.#waiting.length === 0;
  }

  /** Resolves with a release function once a slot is free. Slots are granted in FIFO order. */
  acquire(): Promise<Release> {
    if (this.#active < this.#limit && this.#waiting.length === 0) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      this.#waiting.push(() => {
        this.#active++;
        resolve(this.#releaser());
      });
    });
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Change the limit; raising it wakes waiters at once, lowering it takes effect as slots free up. */
  setLimit(limit: number): void {
    this.#limit = checkLimit(limit);
    this.#drain();
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.#drain();
    };
  }

  #drain(): void {
    while (this.#active < this.#limit) {
      const next = this.#waiting.shift();
      if (!next) break;
      next();
    }
  }
}

export class KeyedLimiter {
  readonly #semaphores = new Map<string, Semaphore>();

  constructor(readonly limit: number) {
    checkLimit(limit);
  }

  async acquire(key: string): Promise<Release> {
    let sem = this.#semaphores.get(key);
    if (!sem) {
      sem = new Semaphore(this.limit);
      this.#semaphores.set(key, sem);
    }
    const release = await sem.acquire();
    const owner = sem;
    return () => {
      release();
      if (owner.idle && this.#semaphores.get(key) === owner) this.#semaphores.delete(key);
    };
  }

  /** Number of keys with work in flight or queued (for tests and diagnostics). */
  get size(): number {
    return this.#semaphores.size;
  }
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return limit;
}
