// The known_hosts file of one run: read once, checked in memory, appended to under a lock.

import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  checkHostKey,
  entryMatches,
  formatKnownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
  type HostKeyCheck,
  type KnownHostEntry,
} from './known-hosts.js';

export class KnownHostsStore {
  #entries: KnownHostEntry[] | undefined;
  #loading: Promise<void> | undefined;
  /** Appends run one after another so concurrent connections never interleave lines. */
  #appendChain: Promise<unknown> = Promise.resolve();
  #nextLine = 1;
  readonly #byName = new Map<string, KnownHostEntry[]>();

  constructor(readonly file: string) {}

  /** Read the file (once). A missing file is an empty list. */
  load(): Promise<void> {
    this.#loading ??= (async () => {
      let text = '';
      try {
        text = await readFile(this.file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      this.#entries = parseKnownHosts(text);
      const count = text.split('\n').length;
      this.#nextLine = text === '' ? 1 : text.endsWith('\n') ? count : count + 1;
    })();
    return this.#loading;
  }

  check(address: string, port: number, key: Buffer): HostKeyCheck {
    const name = knownHostsName(address, port);
    return checkHostKey(this.#candidates(name), name, key);
  }

  knownKeyTypes(address: string, port: number): string[] {
    const name = knownHostsName(address, port);
    return knownKeyTypes(this.#candidates(name), name);
  }

  /**
   * The entries that can matter for one host name: those matching it, plus every @revoked one.
   * Matching a hashed entry costs an HMAC, so the scan over the file is done once per name.
   */
  #candidates(name: string): KnownHostEntry[] {
    let list = this.#byName.get(name);
    if (!list) {
      list = this.#loaded().filter((e) => e.revoked || entryMatches(e.hosts, name));
      this.#byName.set(name, list);
    }
    return list;
  }

  /**
   * Record a new key for address:port. Resolves with the check made under the lock: if another
   * connection recorded a key for the host meanwhile, nothing is written and that result is
   * returned ('ok' for the same key, 'changed' for another one).
   */
  add(address: string, port: number, key: Buffer): Promise<HostKeyCheck> {
    const run = this.#appendChain.then(async (): Promise<HostKeyCheck> => {
      const current = this.check(address, port, key);
      if (current.status !== 'unknown') return current;
      const line = formatKnownHostsLine(address, port, key);
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      const prefix = (await endsWithoutNewline(this.file)) ? '\n' : '';
      await appendFile(this.file, `${prefix}${line}\n`, { mode: 0o600 });
      const lineNo = this.#nextLine;
      this.#nextLine = lineNo + 1;
      const entry = parseKnownHosts(line)[0];
      if (entry) {
        const recorded = { ...entry, line: lineNo };
        this.#loaded().push(recorded);
        // The new line names exactly this host, so no other cached name is affected.
        this.#byName.get(knownHostsName(address, port))?.push(recorded);
      }
      return { status: 'unknown' };
    });
    this.#appendChain = run.catch(() => undefined);
    return run;
  }

  #loaded(): KnownHostEntry[] {
    if (!this.#entries) throw new Error('known_hosts not loaded yet');
    return this.#entries;
  }
}

async function endsWithoutNewline(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const buf = Buffer.alloc(1);
    await handle.read(buf, 0, 1, size - 1);
    return buf[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
