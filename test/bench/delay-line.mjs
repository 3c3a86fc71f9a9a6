// The latency relay's pure parts: when a chunk may be delivered, and how round trips are counted.
// No sockets, no clock: callers pass the time in.

/**
 * One direction of a connection: every chunk is delivered `delayMs` after it arrived, never
 * before an earlier chunk (order is kept), and never before `openAt` (the far end is not
 * connected yet). A FIFO with one due time per chunk; the caller arms one timer for nextDue().
 */
export class DelayLine {
  #queue = [];
  #lastDue = -Infinity;

  constructor(delayMs, openAt = -Infinity) {
    if (!(delayMs >= 0)) throw new RangeError(`delay must be >= 0 ms, got ${delayMs}`);
    this.delayMs = delayMs;
    this.openAt = openAt;
  }

  /** Queue `item` that arrived at `now`; returns its due time. */
  push(item, now) {
    const due = Math.max(now + this.delayMs, this.openAt, this.#lastDue);
    this.#lastDue = due;
    this.#queue.push({ due, item });
    return due;
  }

  /** Remove and return, in order, the items due at `now`. */
  takeDue(now) {
    let k = 0;
    while (k < this.#queue.length && this.#queue[k].due <= now) k++;
    return this.#queue.splice(0, k).map((e) => e.item);
  }

  /** Due time of the next item, or undefined when empty. */
  nextDue() {
    return this.#queue[0]?.due;
  }

  get size() {
    return this.#queue.length;
  }
}

/**
 * A TCP connection whose packets take `oneWayMs` each way: the server accepts it after the SYN
 * (one way), and the client's first bytes, sent with the ACK after the SYN-ACK came back, reach it
 * after three one-way trips. So the relay dials the server at accepted + 3 * oneWayMs, and the
 * client's bytes wait for that (the DelayLine's openAt).
 */
export function serverOpenAt(acceptedAt, oneWayMs) {
  return acceptedAt + 3 * oneWayMs;
}

/**
 * SSH round trips of one connection, as the control node lives them: 1 for the TCP handshake,
 * plus one per turn, a turn being a burst of bytes the control node sends after it has received
 * bytes since its previous send (it spoke, heard back, spoke again). Its first bytes (the SSH
 * banner, sent on connect) are not a turn. Bytes of several concurrent channels count as one
 * burst when they go out together, and as separate turns when replies arrive in between.
 */
export class TurnCounter {
  turns = 0;
  #heard = false;

  /** The control node sent bytes. */
  sent() {
    if (this.#heard) this.turns++;
    this.#heard = false;
  }

  /** Bytes from the server were delivered to the control node. */
  received() {
    this.#heard = true;
  }

  get roundTrips() {
    return 1 + this.turns;
  }
}
