import axios from 'axios';

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
