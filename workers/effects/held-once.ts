import { LRUCache } from 'lru-cache';

export interface HeldOnceOptions {
  /** values held at most */
  max: number;
  /** how long a value is held if nobody takes it */
  ttlMs: number;
  /** the clock (tests) */
  now?: () => number;
}

/**
 * Values held per ticket and key in this process's memory only: bounded in number, forgotten after `ttlMs`, and
 * handed out once. What RecentComments and TokensReadAhead keep between the step that has a value and the one that
 * uses it next.
 */
export class HeldOnce<V extends NonNullable<unknown>> {
  private readonly cache: LRUCache<string, V>;

  constructor(opts: HeldOnceOptions) {
    this.cache = new LRUCache<string, V>({ max: opts.max, ttl: opts.ttlMs, ...(opts.now ? { perf: { now: opts.now } } : {}) });
  }

  set(tk: string, id: string, value: V): void {
    this.cache.set(key(tk, id), value);
  }

  /** The value, once: a second take finds nothing. */
  take(tk: string, id: string): V | undefined {
    const k = key(tk, id);
    const value = this.cache.get(k);
    if (value !== undefined) this.cache.delete(k);
    return value;
  }

  get size(): number {
    return this.cache.size;
  }
}

function key(tk: string, id: string): string {
  return `${tk}\u0000${id}`;
}
