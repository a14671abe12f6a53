import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { z } from 'zod';
import { parseRetryAfterMs } from '../../shared/http-retry.js';
import { TicketNotFound, TicketSystemRateLimited, TicketSystemUnavailable, TicketingAuthFailed } from '../errors.js';
import type { TicketSummary, TicketUpdate } from '../ticket-system.js';
import { DeskRequestRefused } from './desk-request-refused.js';
import {
  NOT_FOUND,
  BotUpdateResultSchema,
  DeskCommentSchema,
  DeskTicketSchema,
  DeskUserSchema,
  ErrorBodySchema,
  TicketListSchema,
  TicketWithCommentsSchema,
  type AddCommentBody,
  type BotUpdateResult,
  type CreateTicketBody,
  type DeskComment,
  type DeskTicket,
  type DeskUser,
  type SetUserBody,
  type StatusBody,
  type TagsBody,
  type TicketWithComments,
} from './schemas.js';

export interface DeskClientOptions {
  /** where the desk routes are mounted, e.g. `http://127.0.0.1:3000/desk` */
  baseUrl: string;
  /** sent as `Authorization: Bearer …` when the desk asks for one */
  apiToken?: string | undefined;
  /** per request (default 5 s) */
  timeoutMs?: number;
  /** tries after the first one (default 3) */
  retries?: number;
  /** first backoff, doubled per retry, with jitter (default 200 ms) */
  retryBaseDelayMs?: number;
  /** the longest backoff (default 5 s) */
  retryMaxDelayMs?: number;
  /** the longest Retry-After waited out here; a longer one goes up as TicketSystemRateLimited (default 10 s) */
  maxRetryAfterMs?: number;
}

/**
 * `always`: the request is idempotent (reads, tag and status edits, keyed bot updates) and is repeated on any
 * transient failure. `unsent`: repeating could write twice, so only failures that prove nothing was received
 * (connection refused, 429) are retried.
 */
type RetryPolicy = 'always' | 'unsent';

interface Call {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  data?: unknown;
  params?: Record<string, string>;
  ticketId: string | undefined;
  retry: RetryPolicy;
}

const SYSTEM = 'local';
/** Errors raised before a single byte reached the desk. */
const UNSENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A response as the client reads it: status, the headers it looks at, and the body parsed as JSON when it is. */
interface Reply {
  status: number;
  retryAfter: string | undefined;
  data: unknown;
}

/**
 * The embedded desk's JSON API, with time-outs, retries and errors mapped to the ticketing error classes. Sent with
 * undici (keep-alive connections): the desk is called several times per ticket, and axios's per-request work was
 * a tenth of the worker's CPU in the burst benchmark (bench/README.md).
 */
export class DeskClient {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000 });
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;

  constructor(opts: DeskClientOptions) {
    this.retries = Math.max(0, opts.retries ?? 3);
    this.baseDelayMs = opts.retryBaseDelayMs ?? 200;
    this.maxDelayMs = opts.retryMaxDelayMs ?? 5_000;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 10_000;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.headers = {
      accept: 'application/json',
      ...(opts.apiToken !== undefined ? { authorization: `Bearer ${opts.apiToken}` } : {}),
    };
  }

  async createTicket(body: CreateTicketBody): Promise<DeskTicket> {
    return this.send({ method: 'POST', url: '/api/tickets', data: body, ticketId: undefined, retry: 'unsent' }, DeskTicketSchema);
  }

  /** An agent records who the desk user with this email is on the 2FA platform (null: forget it). */
  async setUser(body: SetUserBody): Promise<DeskUser> {
    return this.send({ method: 'PUT', url: '/api/users', data: body, ticketId: undefined, retry: 'always' }, DeskUserSchema);
  }

  async getTicket(ticketId: string): Promise<TicketWithComments> {
    return this.send({ method: 'GET', url: ticketPath(ticketId), ticketId, retry: 'always' }, TicketWithCommentsSchema);
  }

  async listTickets(filter: { tag?: string; unsolved?: boolean } = {}): Promise<TicketSummary[]> {
    const params: Record<string, string> = {};
    if (filter.tag !== undefined) params.tag = filter.tag;
    if (filter.unsolved) params.unsolved = 'true';
    return this.send({ method: 'GET', url: '/api/tickets', params, ticketId: undefined, retry: 'always' }, TicketListSchema);
  }

  async getComment(ticketId: string, commentId: string): Promise<DeskComment> {
    return this.send({ method: 'GET', url: `${ticketPath(ticketId)}/comments/${encodeURIComponent(commentId)}`, ticketId, retry: 'always' }, DeskCommentSchema);
  }

  async addComment(ticketId: string, body: AddCommentBody): Promise<DeskComment> {
    return this.send({ method: 'POST', url: `${ticketPath(ticketId)}/comments`, data: body, ticketId, retry: 'unsent' }, DeskCommentSchema);
  }

  async updateTags(ticketId: string, body: TagsBody): Promise<DeskTicket> {
    return this.send({ method: 'PUT', url: `${ticketPath(ticketId)}/tags`, data: body, ticketId, retry: 'always' }, DeskTicketSchema);
  }

  async setStatus(ticketId: string, body: StatusBody): Promise<DeskTicket> {
    return this.send({ method: 'PUT', url: `${ticketPath(ticketId)}/status`, data: body, ticketId, retry: 'always' }, DeskTicketSchema);
  }

  /** Safe to repeat: the desk applies one idempotency key once and answers the same result again. */
  async botUpdate(ticketId: string, update: TicketUpdate, idempotencyKey: string): Promise<BotUpdateResult> {
    return this.send({ method: 'POST', url: `${ticketPath(ticketId)}/bot-update`, data: { update, idempotencyKey }, ticketId, retry: 'always' }, BotUpdateResultSchema);
  }

  close(): void {
    this.agent.destroy().catch(() => undefined);
  }

  /** One request, its body read whole; throws only when no response came (the error's code says why). */
  private async request(call: Call): Promise<Reply> {
    const query = call.params && Object.keys(call.params).length > 0 ? `?${new URLSearchParams(call.params).toString()}` : '';
    const res = await request(`${this.baseUrl}${call.url}${query}`, {
      method: call.method,
      dispatcher: this.agent,
      headers: call.data === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
      body: call.data === undefined ? null : JSON.stringify(call.data),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    const retryAfter = res.headers['retry-after'];
    return { status: res.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, data: parseBody(text) };
  }

  private async send<S extends z.ZodType>(call: Call, schema: S): Promise<z.output<S>> {
    const what = `${call.method} ${call.url}`;
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.retries;
      let res: Reply;
      try {
        res = await this.request(call);
      } catch (err) {
        const code = errorCode(err);
        if (canRetry && (call.retry === 'always' || (code !== undefined && UNSENT.has(code)))) {
          await sleep(this.backoff(attempt));
          continue;
        }
        const detail = code ?? (err instanceof Error ? err.message : String(err));
        throw new TicketSystemUnavailable(SYSTEM, `${what}: ${detail} after ${attempt + 1} tries`);
      }
      if (res.status === 429) {
        const wait = parseRetryAfterMs(res.retryAfter, Date.now()) ?? this.backoff(attempt);
        if (canRetry && wait <= this.maxRetryAfterMs) {
          await sleep(wait);
          continue;
        }
        throw new TicketSystemRateLimited(SYSTEM, Math.ceil(wait));
      }
      if (res.status >= 500) {
        if (canRetry && call.retry === 'always') {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw new TicketSystemUnavailable(SYSTEM, `${what}: HTTP ${res.status} after ${attempt + 1} tries`);
      }
      if (res.status === 401 || res.status === 403) throw new TicketingAuthFailed(SYSTEM);
      if (res.status === 404) {
        // Only the desk's own 404 says the ticket is gone; any other one means the base URL points elsewhere.
        const body = ErrorBodySchema.safeParse(res.data);
        if (body.success && body.data.error === NOT_FOUND) throw new TicketNotFound(SYSTEM, call.ticketId ?? call.url);
        throw new DeskRequestRefused(404, `no desk API at ${this.baseUrl}${call.url}: check the desk base URL`);
      }
      if (res.status >= 300) {
        const body = ErrorBodySchema.safeParse(res.data);
        throw new DeskRequestRefused(res.status, body.success ? body.data.message : `${what} was refused`);
      }
      const parsed = schema.safeParse(res.data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new TicketSystemUnavailable(SYSTEM, `${what} answered an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`);
      }
      return parsed.data;
    }
  }

  /** Exponential with jitter, so that workers retrying together do not hit the desk in step. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

function ticketPath(ticketId: string): string {
  return `/api/tickets/${encodeURIComponent(ticketId)}`;
}

/** JSON when the body is JSON (the desk always answers JSON; a proxy or another server may not), else the text. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The system error code (ECONNREFUSED …) or undici's own (UND_ERR_HEADERS_TIMEOUT …) of a request that failed. */
function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
