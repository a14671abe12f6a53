import { HeldOnce } from './held-once.js';
import type { TokenInfo } from '../../workflows/resync/index.js';

export interface TokensReadAheadOptions {
  /** reads held at most (default 10,000) */
  max?: number;
  /** how long a read is held if nobody takes it (default 5 s) */
  ttlMs?: number;
}

/**
 * A user's token list read beside their groups: once the group check passes (or the group is added) the workflow
 * asks for the tokens, and on the way to a new ticket's first reply that is one platform round trip less, on every
 * platform. Held per ticket and user in this process's memory for seconds and handed out once; a read that failed,
 * or one nobody took in time, is simply read again (a token list holds no secret: serial, type, state, length).
 */
export class TokensReadAhead {
  private readonly held: HeldOnce<Promise<TokenInfo[]>>;

  constructor(opts: TokensReadAheadOptions = {}) {
    this.held = new HeldOnce<Promise<TokenInfo[]>>({ max: opts.max ?? 10_000, ttlMs: opts.ttlMs ?? 5_000 });
  }

  /** Starts `read` now for the ticket's user; its outcome waits for `take`. */
  start(tk: string, userId: string, read: () => Promise<TokenInfo[]>): void {
    const reading = read();
    reading.catch(() => undefined); // a failure is met by `take`'s caller, who reads again
    this.held.set(tk, userId, reading);
  }

  /** The list read ahead for the ticket's user, once; undefined when there is none or it failed. */
  async take(tk: string, userId: string): Promise<TokenInfo[] | undefined> {
    return this.held.take(tk, userId)?.catch(() => undefined);
  }

  get size(): number {
    return this.held.size;
  }
}
