import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import type { RequestLimiter } from '../request-limiter.js';
import { keepAliveHttp, type KeepAliveHttp } from '../../shared/keep-alive-http.js';
import { retryLimits, sendWithRetries, type RetryLimits, type RetryOptions } from '../../shared/http-retry.js';
import { readAnswer, type DeskAnswers, type DeskCall } from '../desk-answer.js';
import { TicketSystemRateLimited, TicketSystemUnavailable } from '../errors.js';
import type { RtCredentials } from './config.js';
import { RtRequestRefused, RtResponseInvalid } from './rt-errors.js';
import {
  RtAttachmentSchema,
  RtErrorBodySchema,
  RtInfoSchema,
  RtMessagesSchema,
  RtQueueSchema,
  RtTicketSchema,
  RtTransactionSchema,
  RtUserSchema,
  TicketListItemSchema,
  pageOf,
  type RtAttachment,
  type RtTicket,
  type RtTransaction,
  type RtUser,
} from './schemas.js';

export const SYSTEM = 'rt';

export { NO_LIMIT, type RequestLimiter } from '../request-limiter.js';

export interface RtClientOptions extends RetryOptions {
  baseUrl: string;
  credentials: RtCredentials;
  limiter: RequestLimiter;
  /** per request (default 10 s) */
  timeoutMs?: number;
  /** items per page of a collection (default and RT's most: 100) */
  pageSize?: number;
  /** told of every HTTP request sent (method and path), for counting in tests and benchmarks */
  onRequest?: (method: string, path: string) => void;
}

interface Call extends DeskCall {
  /** told of the headers of the answer that is parsed */
  onHeaders?: (headers: Record<string, unknown>) => void;
}

/** The fields of a ticket change (PUT /ticket/{id}, or riding on a correspond/comment): RT's own names. */
export interface RtTicketChanges {
  Status?: string;
  Queue?: string;
  Owner?: string;
  CustomFields?: Record<string, string[]>;
}

const PER_PAGE = 100;
/** A history longer than this many pages is cut short, so a runaway loop cannot hold a worker. */
const MAX_PAGES = 50;
const TXN_FIELDS = 'Type,Creator,Created,Field,OldValue,NewValue';
/** the author's record with each transaction (RT::REST2 "fields[Creator]"): what a snapshot needs of a requester, without a /user call */
const CREATOR_FIELDS = 'Name,EmailAddress,RealName';
const ATTACHMENT_FIELDS = 'TransactionId,ContentType,Content,Creator';

/** RT 5's REST 2.0 API with time-outs, retries with backoff, a shared rate limit and typed errors. */
export class RtClient {
  private readonly http: AxiosInstance;
  private readonly agent: KeepAliveHttp['agent'];
  private readonly limits: RetryLimits;
  private readonly listeners = new Set<(method: string, path: string) => void>();

  constructor(private readonly options: RtClientOptions) {
    this.limits = retryLimits(options);
    const { credentials } = options;
    const authorization =
      credentials.kind === 'token' ? `token ${credentials.token}` : `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`, 'utf8').toString('base64')}`;
    ({ http: this.http, agent: this.agent } = keepAliveHttp(`${options.baseUrl.replace(/\/+$/, '')}/REST/2.0`, options.timeoutMs, { accept: 'application/json', authorization }));
  }

  /** GET /rt: RT's version (any authenticated user) */
  async info(): Promise<{ Version: string }> {
    return this.send({ method: 'GET', path: '/rt', retry: 'always', what: 'read RT\'s version' }, RtInfoSchema);
  }

  async getTicket(ticketId: string): Promise<RtTicket> {
    return this.send({ method: 'GET', path: `/ticket/${num(ticketId)}`, retry: 'always', what: `read ticket ${ticketId}`, ticketId }, RtTicketSchema);
  }

  async getUser(name: string): Promise<RtUser> {
    return this.send({ method: 'GET', path: `/user/${encodeURIComponent(name)}`, retry: 'always', what: `read user ${name}` }, RtUserSchema);
  }

  async getQueue(nameOrId: string): Promise<{ id: string; Name: string }> {
    return this.send({ method: 'GET', path: `/queue/${encodeURIComponent(nameOrId)}`, retry: 'always', what: `read queue ${nameOrId}` }, RtQueueSchema);
  }

  /** Every transaction of a ticket, oldest first: GET /ticket/{id}/history, paged until a page comes back empty. */
  async history(ticketId: string): Promise<RtTransaction[]> {
    return this.pages(`/ticket/${num(ticketId)}/history`, { fields: TXN_FIELDS, 'fields[Creator]': CREATOR_FIELDS }, RtTransactionSchema, `read the history of ticket ${ticketId}`, ticketId);
  }

  /**
   * The attachments of one transaction (GET /transaction/{id}/attachments): RT shows them all or none (they are
   * seen as their transaction is), so a short page is the last one and one call reads a message.
   */
  async transactionAttachments(ticketId: string, transactionId: string): Promise<RtAttachment[]> {
    return this.pages(`/transaction/${num(transactionId)}/attachments`, { fields: ATTACHMENT_FIELDS }, RtAttachmentSchema, `read message ${transactionId} of ticket ${ticketId}`, ticketId, {
      shortPageIsLast: true,
    });
  }

  /** Every attachment of a ticket with its decoded text: GET /ticket/{id}/attachments, paged until empty. */
  async attachments(ticketId: string): Promise<RtAttachment[]> {
    return this.pages(`/ticket/${num(ticketId)}/attachments`, { fields: ATTACHMENT_FIELDS }, RtAttachmentSchema, `read the messages of ticket ${ticketId}`, ticketId);
  }

  /** TicketSQL search: ids and LastUpdated of every match, oldest change first (GET /tickets?query=…). */
  async searchTickets(query: string): Promise<Array<{ id: string; LastUpdated: string }>> {
    return this.pages('/tickets', { query, fields: 'LastUpdated', orderby: 'LastUpdated', order: 'ASC' }, TicketListItemSchema, 'search the watched tickets');
  }

  /**
   * POST /ticket/{id}/correspond (public, mailed to the requestors) or /comment (private): `unsent`, so a time-out is not
   * repeated blindly (the adapter looks for its marker first). Ticket changes may ride along; RT's messages are returned,
   * and the id of the transaction made (from the answer's Location, `/REST/2.0/transaction/{id}`), when RT gave it.
   */
  async addMessage(ticketId: string, kind: 'correspond' | 'comment', content: string, changes: RtTicketChanges = {}): Promise<{ messages: string[]; transactionId?: string }> {
    let location: string | undefined;
    const messages = await this.send(
      {
        method: 'POST',
        path: `/ticket/${num(ticketId)}/${kind}`,
        data: { Content: content, ContentType: 'text/plain', ...changes },
        retry: 'unsent',
        what: `${kind === 'correspond' ? 'reply on' : 'comment on'} ticket ${ticketId}`,
        ticketId,
        onHeaders: (h) => (location = typeof h.location === 'string' ? h.location : undefined),
      },
      RtMessagesSchema,
    );
    const transactionId = location === undefined ? undefined : /\/transaction\/(\d+)\/?$/.exec(location)?.[1];
    return { messages, ...(transactionId !== undefined ? { transactionId } : {}) };
  }

  /** PUT /ticket/{id}: the same change twice ends in the same state, so it is repeated on any transient failure. */
  async updateTicket(ticketId: string, changes: RtTicketChanges): Promise<string[]> {
    return this.send({ method: 'PUT', path: `/ticket/${num(ticketId)}`, data: changes, retry: 'always', what: `update ticket ${ticketId}`, ticketId }, RtMessagesSchema);
  }

  /** Tells `fn` of every HTTP request sent from now on (besides `onRequest`), until the returned function is called. */
  observe(fn: (method: string, path: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.agent.destroy();
  }

  private async pages<S extends z.ZodType>(
    path: string,
    params: Record<string, string>,
    item: S,
    what: string,
    ticketId?: string,
    opts: { shortPageIsLast?: boolean } = {},
  ): Promise<Array<z.output<S>>> {
    const perPage = this.options.pageSize ?? PER_PAGE;
    const out: Array<z.output<S>> = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const call: Call = { method: 'GET', path, params: { ...params, per_page: String(perPage), page: String(page) }, retry: 'always', what, ...(ticketId !== undefined ? { ticketId } : {}) };
      const res = await this.send(call, pageOf(item).extend({ pages: z.number().nullable().optional() }));
      out.push(...res.items);
      // RT leaves out what the user may not see after counting, so a short page is no last page; an empty one is.
      // When RT knows the number of pages it says so, and the empty page need not be asked for.
      if (res.items.length === 0 || (typeof res.pages === 'number' && page >= res.pages)) return out;
      if (opts.shortPageIsLast && res.items.length < perPage) return out;
    }
    return out;
  }

  private async send<S extends z.ZodType>(call: Call, schema: S): Promise<z.output<S>> {
    return this.options.limiter.guard(call.what, () => this.attempts(call, schema));
  }

  private async attempts<S extends z.ZodType>(call: Call, schema: S): Promise<z.output<S>> {
    const { limiter } = this.options;
    const res = await sendWithRetries(
      call,
      this.limits,
      {
        unavailable: (detail) => new TicketSystemUnavailable(SYSTEM, detail),
        rateLimited: (waitMs) => new TicketSystemRateLimited(SYSTEM, waitMs),
        beforeRequest: async () => {
          await limiter.beforeRequest();
          this.options.onRequest?.(call.method, call.path);
          for (const fn of this.listeners) fn(call.method, call.path);
        },
        onRateLimited: (waitMs) => limiter.pause(waitMs),
        retryAfterOn503: true,
      },
      () => this.http.request<unknown>({ method: call.method, url: call.path, params: call.params, data: call.data }),
    );
    const parsed = readAnswer(ANSWERS, res, call, schema);
    call.onHeaders?.(res.headers as Record<string, unknown>);
    return parsed;
  }
}

/** Ticket and transaction ids are numbers: anything else never reaches a URL. */
function num(id: string): string {
  if (!/^[1-9][0-9]{0,12}$/.test(id)) throw new RtRequestRefused(400, `use id ${JSON.stringify(id).slice(0, 40)}`, 'RT ids are positive numbers');
  return id;
}

/** RT's `message`, cut short; never the request. */
function errorText(data: unknown): string {
  const body = RtErrorBodySchema.safeParse(data);
  return body.success ? body.data.message.slice(0, 200) : 'no RT error body: check RT_URL (REST 2.0 is under it at /REST/2.0)';
}

/** How this desk's refusals and misshapen answers are named. */
const ANSWERS: DeskAnswers = {
  system: SYSTEM,
  refused: (status, what, detail) => new RtRequestRefused(status, what, detail),
  responseInvalid: (what, field, detail) => new RtResponseInvalid(what, field, detail),
  errorText,
};
