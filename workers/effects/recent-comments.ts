import { HeldOnce } from './held-once.js';

export interface RecentCommentsOptions {
  /** bodies held at most (default 10,000) */
  max?: number;
  /** how long a body is held if nobody takes it (default 30 s) */
  ttlMs?: number;
  /** the clock (tests) */
  now?: () => number;
}

/**
 * Comment bodies a drain has just read for a transition that asks for an effect on that same comment (a resync reads
 * the codes again), so the effect, run next in this process, takes the body from here instead of a second read from
 * the ticket system. Bodies may hold OTP codes: they live only in this process's memory, never in Redis or a log,
 * for seconds, and are handed out once. An effect that finds nothing here (run by another process, or later) reads
 * the comment from the ticket system as before.
 */
export class RecentComments {
  private readonly held: HeldOnce<string>;

  constructor(opts: RecentCommentsOptions = {}) {
    this.held = new HeldOnce<string>({ max: opts.max ?? 10_000, ttlMs: opts.ttlMs ?? 30_000, ...(opts.now ? { now: opts.now } : {}) });
  }

  remember(tk: string, commentId: string, body: string): void {
    this.held.set(tk, commentId, body);
  }

  /** The body, once: a second take finds nothing. */
  take(tk: string, commentId: string): string | undefined {
    return this.held.take(tk, commentId);
  }

  get size(): number {
    return this.held.size;
  }
}
