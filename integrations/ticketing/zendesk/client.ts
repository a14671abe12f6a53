import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import { limitedRetryHooks, type RequestLimiter } from '../request-limiter.js';
import { keepAliveHttp, type KeepAliveHttp } from '../../shared/keep-alive-http.js';
import { retryLimits, sendWithRetries, type RetryLimits, type RetryOptions, type RetryPolicy } from '../../shared/http-retry.js';
import { readAnswer, type DeskAnswers, type DeskCall } from '../desk-answer.js';
import type { ZendeskCredentials } from './config.js';
import {
  AccountSettingsResponseSchema,
  CommentsPageSchema,
  ErrorBodySchema,
  SearchExportPageSchema,
  ShowGroupResponseSchema,
  ShowTicketResponseSchema,
  ShowUserResponseSchema,
  UpdateTicketResponseSchema,
  type ZendeskComment,
  type ZendeskTicket,
  type ZendeskUser,
} from './schemas.js';
import { ZendeskRequestRefused, ZendeskResponseInvalid } from './zendesk-errors.js';

export const SYSTEM = 'zendesk';

export { NO_LIMIT, type RequestLimiter } from '../request-limiter.js';

export interface ZendeskClientOptions extends RetryOptions {
  baseUrl: string;
  credentials: ZendeskCredentials;
  limiter: RequestLimiter;
  /** per request (default 10 s) */
  timeoutMs?: number;
}

/**
 * `always`: reads and writes that end in the same state however often they run (status, tags, group): repeated
 * on any transient failure. `unsent`: a write that would add a second comment: repeated only when nothing
 * reached Zendesk (connection refused, 429); after an unknown outcome the adapter looks for its marker first.
 */
export type { RetryPolicy };

/** One update body of PUT /api/v2/tickets/{id}.json (Tickets API, "Update Ticket"). */
export interface TicketUpdateBody {
  comment?: { body: string; public: boolean };
  status?: string;
  additional_tags?: string[];
  remove_tags?: string[];
  group_id?: number;
  assignee_id?: number;
}

/** The Zendesk Support REST API (v2) with time-outs, retries with backoff, a shared rate limit and typed errors. */
export class ZendeskClient {
  private readonly http: AxiosInstance;
  private readonly agent: KeepAliveHttp['agent'];
  private readonly limits: RetryLimits;

  constructor(private readonly options: ZendeskClientOptions) {
    this.limits = retryLimits(options);
    const { credentials } = options;
    const authorization =
      credentials.kind === 'token'
        ? `Basic ${Buffer.from(`${credentials.email}/token:${credentials.token}`, 'utf8').toString('base64')}`
        : `Bearer ${credentials.token}`;
    ({ http: this.http, agent: this.agent } = keepAliveHttp(options.baseUrl.replace(/\/+$/, ''), options.timeoutMs, { accept: 'application/json', authorization }));
  }

  /** The API user (the bot): GET /api/v2/users/me.json */
  async me(): Promise<ZendeskUser> {
    return (await this.send({ method: 'GET', path: '/api/v2/users/me.json', retry: 'always', what: 'read the API user' }, ShowUserResponseSchema)).user;
  }

  /** GET /api/v2/tickets/{id}.json?include=users (the requester comes side-loaded) */
  async getTicket(ticketId: string): Promise<{ ticket: ZendeskTicket; users: ZendeskUser[] }> {
    const res = await this.send(
      { method: 'GET', path: `/api/v2/tickets/${enc(ticketId)}.json`, params: { include: 'users' }, retry: 'always', what: `read ticket ${ticketId}`, ticketId },
      ShowTicketResponseSchema,
    );
    return { ticket: res.ticket, users: res.users ?? [] };
  }

  async getUser(userId: string): Promise<ZendeskUser> {
    return (await this.send({ method: 'GET', path: `/api/v2/users/${enc(userId)}.json`, retry: 'always', what: `read user ${userId}` }, ShowUserResponseSchema)).user;
  }

  /** Whether the account assigns a ticket solved without an assignee to its solver: GET /api/v2/account/settings.json */
  async assignsOnSolve(): Promise<boolean | undefined> {
    const res = await this.send({ method: 'GET', path: '/api/v2/account/settings.json', retry: 'always', what: 'read the account settings' }, AccountSettingsResponseSchema);
    return res.settings.tickets?.assign_tickets_upon_solve;
  }

  async getGroup(groupId: string): Promise<{ id: number; name: string }> {
    return (await this.send({ method: 'GET', path: `/api/v2/groups/${enc(groupId)}.json`, retry: 'always', what: `read group ${groupId}` }, ShowGroupResponseSchema)).group;
  }

  /** Every comment of a ticket, oldest first, following the cursor: GET /api/v2/tickets/{id}/comments.json */
  async listComments(ticketId: string): Promise<{ comments: ZendeskComment[]; users: ZendeskUser[] }> {
    const comments: ZendeskComment[] = [];
    const users: ZendeskUser[] = [];
    let after: string | undefined;
    for (;;) {
      const params: Record<string, string> = { 'page[size]': '100', include: 'users', ...(after !== undefined ? { 'page[after]': after } : {}) };
      const page = await this.send(
        { method: 'GET', path: `/api/v2/tickets/${enc(ticketId)}/comments.json`, params, retry: 'always', what: `list the comments of ticket ${ticketId}`, ticketId },
        CommentsPageSchema,
      );
      comments.push(...page.comments);
      users.push(...(page.users ?? []));
      if (!page.meta.has_more || !page.meta.after_cursor) return { comments, users };
      after = page.meta.after_cursor;
    }
  }

  /**
   * Every ticket the search finds, following the cursor: GET /api/v2/search/export.json. The type goes in
   * filter[type] only ("type:" in the query is an error there); the endpoint has its own 100 requests/min.
   */
  async searchTickets(query: string): Promise<Array<{ id: number; updated_at: string }>> {
    const out: Array<{ id: number; updated_at: string }> = [];
    let after: string | undefined;
    for (;;) {
      const params: Record<string, string> = { query, 'filter[type]': 'ticket', 'page[size]': '100', ...(after !== undefined ? { 'page[after]': after } : {}) };
      const page = await this.send({ method: 'GET', path: '/api/v2/search/export.json', params, retry: 'always', what: 'search watched tickets' }, SearchExportPageSchema);
      out.push(...page.results);
      if (!page.meta.has_more || !page.meta.after_cursor) return out;
      after = page.meta.after_cursor;
    }
  }

  /** PUT /api/v2/tickets/{id}.json with one `ticket` object (one comment at most: Zendesk takes one per update). */
  async updateTicket(ticketId: string, body: TicketUpdateBody, retry: RetryPolicy): Promise<ZendeskTicket> {
    const res = await this.send(
      { method: 'PUT', path: `/api/v2/tickets/${enc(ticketId)}.json`, data: { ticket: body }, retry, what: `update ticket ${ticketId}`, ticketId },
      UpdateTicketResponseSchema,
    );
    return res.ticket;
  }

  close(): void {
    this.agent.destroy();
  }

  private async send<S extends z.ZodType>(call: DeskCall, schema: S): Promise<z.output<S>> {
    return this.options.limiter.guard(call.what, () => this.attempts(call, schema));
  }

  private async attempts<S extends z.ZodType>(call: DeskCall, schema: S): Promise<z.output<S>> {
    const { limiter } = this.options;
    const res = await sendWithRetries(
      call,
      this.limits,
      // a 429 is the account's limit: every worker waits it out together (beforeRequest waits for the pause)
      { ...limitedRetryHooks(SYSTEM, limiter), retryAfterOn503: true },
      () => this.http.request<unknown>({ method: call.method, url: call.path, params: call.params, data: call.data }),
    );
    return readAnswer(ANSWERS, res, call, schema);
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** Zendesk's error code and description, cut short; never the request. */
function errorText(data: unknown): string {
  const body = ErrorBodySchema.safeParse(data);
  if (!body.success) return 'no Zendesk error body: check ZENDESK_SUBDOMAIN / ZENDESK_BASE_URL';
  const { error, description } = body.data;
  const code = typeof error === 'string' ? error : (error.title ?? 'error');
  const text = description ?? (typeof error === 'string' ? '' : (error.message ?? ''));
  return `${code}${text ? `: ${text}` : ''}`.slice(0, 200);
}

/** How this desk's refusals and misshapen answers are named. */
const ANSWERS: DeskAnswers = {
  system: SYSTEM,
  refused: (status, what, detail) => new ZendeskRequestRefused(status, what, detail),
  responseInvalid: (what, field, detail) => new ZendeskResponseInvalid(what, field, detail),
  errorText,
};
