import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosResponse, type Method } from 'axios';

/** Errors raised before a byte reached the server: repeating the request cannot apply it twice. */
const UNSENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function isUnsent(err: unknown): boolean {
  return axios.isAxiosError(err) && err.code !== undefined && UNSENT.has(err.code);
}

/** A short description of a transport failure that carries no request data (no headers, no body). */
export function transportDetail(err: unknown): string {
  if (axios.isAxiosError(err)) {
    if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') return 'timed out';
    return err.code ?? 'network error';
  }
  return err instanceof Error ? err.name : 'unknown error';
}

/** Exponential with jitter, so that workers retrying together do not hit the platform in step. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Retry-After is seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: unknown, now: number): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * `always`: the request changes nothing or changes it to the same end state (reads, setting a status, tags, an
 * attribute), so it is repeated on any transient failure. `unsent`: repeating could act twice (a resync consumes
 * the codes, a comment would be posted twice), so only failures that prove nothing reached the server (connection
 * refused, 429) are retried.
 */
export type RetryPolicy = 'always' | 'unsent';

/** One request of a client, as `sendWithRetries` repeats it. */
export interface HttpCall {
  method: Method;
  path: string;
  params?: Record<string, string>;
  data?: unknown;
  retry: RetryPolicy;
  /** what the call does, for errors ("read ticket 12") */
  what: string;
}

export interface RetryLimits {
  /** tries after the first one */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** the longest Retry-After waited out here; longer goes up as the caller's rate-limited error */
  maxRetryAfterMs: number;
  now: () => number;
}

/** The retry settings a client takes (each client's options extend this). */
export interface RetryOptions {
  /** tries after the first one on network errors, time-outs, 5xx and 429 (default 3) */
  retries?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** the longest Retry-After waited out here; longer goes up as the client's rate-limited error (default 10 s) */
  maxRetryAfterMs?: number;
  now?: () => number;
}

/** The limits of `sendWithRetries` from a client's options, with the defaults every client uses. */
export function retryLimits(o: RetryOptions): RetryLimits {
  return {
    retries: Math.max(0, o.retries ?? 3),
    baseDelayMs: o.retryBaseDelayMs ?? 250,
    maxDelayMs: o.retryMaxDelayMs ?? 5_000,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 10_000,
    now: o.now ?? Date.now,
  };
}

export interface RetryHooks {
  /** the system's retryable errors: a transport failure or 5xx after the last try, a Retry-After too long to wait */
  unavailable(detail: string): Error;
  rateLimited(waitMs: number): Error;
  /** before every try (a shared rate limit waits here) */
  beforeRequest?(): Promise<void>;
  /** told of every rate-limit answer, retried or not (a shared limit pauses every worker of the account) */
  onRateLimited?(waitMs: number): Promise<void>;
  /** waits out a rate limit before the next try (default: sleeps; a caller whose beforeRequest waits may skip it) */
  waitOut?(waitMs: number): Promise<void>;
  /** a 503 with Retry-After is a rate limit too (Zendesk sends it for an account-wide limit) */
  retryAfterOn503?: boolean;
  /** an answer to try again at once, without counting a try (privacyIDEA: a JWT that expired early) */
  againAtOnce?(res: AxiosResponse<unknown>): boolean;
}

/**
 * Sends a request until its answer is one no retry would change, with exponential backoff and jitter: a transport
 * failure is repeated when the call is `always` or nothing was sent; a 429 (never applied) after its Retry-After
 * while that is short; a 5xx when `always`. Returns the answer of any other status for the caller to map; throws
 * the caller's unavailable or rate-limited error when the tries or the patience run out.
 */
export async function sendWithRetries(
  call: { what: string; retry: RetryPolicy },
  limits: RetryLimits,
  hooks: RetryHooks,
  send: () => Promise<AxiosResponse<unknown>>,
): Promise<AxiosResponse<unknown>> {
  const backoff = (attempt: number) => backoffMs(attempt, limits.baseDelayMs, limits.maxDelayMs);
  for (let attempt = 0; ; attempt++) {
    const canRetry = attempt < limits.retries;
    await hooks.beforeRequest?.();
    let res: AxiosResponse<unknown>;
    try {
      res = await send();
    } catch (err) {
      // only the HTTP client's failures are transport failures; the caller's own errors (a refused log-in) pass
      if (!axios.isAxiosError(err)) throw err;
      if (canRetry && (call.retry === 'always' || isUnsent(err))) {
        await sleep(backoff(attempt));
        continue;
      }
      throw hooks.unavailable(`${call.what}: ${transportDetail(err)} after ${attempt + 1} tries`);
    }
    if (hooks.againAtOnce?.(res)) {
      attempt--;
      continue;
    }
    if (res.status === 429 || (hooks.retryAfterOn503 === true && res.status === 503 && res.headers['retry-after'] !== undefined)) {
      const wait = parseRetryAfterMs(res.headers['retry-after'], limits.now()) ?? backoff(attempt);
      await hooks.onRateLimited?.(wait);
      if (canRetry && wait <= limits.maxRetryAfterMs && (res.status === 429 || call.retry === 'always')) {
        await (hooks.waitOut ?? sleep)(wait);
        continue;
      }
      throw hooks.rateLimited(Math.ceil(wait));
    }
    if (res.status >= 500) {
      if (canRetry && call.retry === 'always') {
        await sleep(backoff(attempt));
        continue;
      }
      throw hooks.unavailable(`${call.what}: HTTP ${res.status} after ${attempt + 1} tries`);
    }
    return res;
  }
}
