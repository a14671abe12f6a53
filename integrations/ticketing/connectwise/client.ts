import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import { limitedRetryHooks, type RequestLimiter } from '../request-limiter.js';
import { keepAliveHttp, type KeepAliveHttp } from '../../shared/keep-alive-http.js';
import { retryLimits, sendWithRetries, type RetryLimits, type RetryOptions, type RetryPolicy } from '../../shared/http-retry.js';
import { readAnswer, type DeskAnswers, type DeskCall } from '../desk-answer.js';
import { ConnectWiseRequestRefused, ConnectWiseResponseInvalid } from './connectwise-errors.js';
import {
  BoardSchema,
  BoardStatusListSchema,
  ContactSchema,
  ErrorBodySchema,
  MemberListSchema,
  NoteListSchema,
  NoteSchema,
  TICKET_FIELDS,
  TeamSchema,
  TicketSchema,
  TicketSummaryListSchema,
  type BoardStatus,
  type Contact,
  type Note,
  type Ticket,
} from './schemas.js';

export const SYSTEM = 'connectwise';
/** records per page: the documented hard limit ("PSA Pagination": 1,000); the next page is page + 1 */
const PAGE = 1000;

export { NO_LIMIT, type RequestLimiter } from '../request-limiter.js';

export interface ConnectWiseCredentials {
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
}

export interface ConnectWiseClientOptions extends RetryOptions {
  /** the REST API base, …/apis/3.0 */
  site: string;
  credentials: ConnectWiseCredentials;
  apiVersion: string;
  limiter: RequestLimiter;
  timeoutMs?: number;
}

/** One operation of a PATCH (JSON Patch, as the REST API takes it: op, path, value). */
export interface PatchOp {
  op: 'replace';
  path: 'status' | 'board' | 'team' | 'owner';
  value: { id: number };
}

export interface NewNote {
  text: string;
  detailDescriptionFlag: boolean;
  internalAnalysisFlag: boolean;
  resolutionFlag: boolean;
}

/** The PSA REST API with API-member keys and the clientId, time-outs, retries, a shared rate limit and typed errors. */
export class ConnectWiseClient {
  private readonly http: AxiosInstance;
  private readonly agent: KeepAliveHttp['agent'];
  private readonly limits: RetryLimits;

  constructor(private readonly options: ConnectWiseClientOptions) {
    this.limits = retryLimits(options);
    const { companyId, publicKey, privateKey, clientId } = options.credentials;
    ({ http: this.http, agent: this.agent } = keepAliveHttp(options.site.replace(/\/+$/, ''), options.timeoutMs, {
      // "companyId+publicKey:privateKey", base64 (Developer Guide, "Authentication"); clientId on every request
      authorization: `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`, 'utf8').toString('base64')}`,
      clientId,
      accept: `application/vnd.connectwise.com+json; version=${options.apiVersion}`,
    }));
  }

  /** GET /service/tickets/{id} */
  async getTicket(id: string): Promise<Ticket> {
    return this.send({ method: 'GET', path: `/service/tickets/${enc(id)}`, params: { fields: TICKET_FIELDS }, retry: 'always', what: `read ticket ${id}`, ticketId: id }, TicketSchema);
  }

  /** Every ticket the conditions find, id and _info/lastUpdated only, page by page (page/pageSize, ordered by id). */
  async listTickets(conditions: string): Promise<Array<{ id: number; lastUpdated: string }>> {
    const out: Array<{ id: number; lastUpdated: string }> = [];
    for (let page = 1; ; page++) {
      const params = { conditions, fields: 'id,_info/lastUpdated', orderBy: 'id asc', page: String(page), pageSize: String(PAGE) };
      const list = await this.send({ method: 'GET', path: '/service/tickets', params, retry: 'always', what: 'list watched tickets' }, TicketSummaryListSchema);
      out.push(...list.map((t) => ({ id: t.id, lastUpdated: t._info.lastUpdated })));
      if (list.length < PAGE) return out;
    }
  }

  /** GET /service/tickets/{id}/notes, oldest first, every page. */
  async notes(ticketId: string): Promise<Note[]> {
    const out: Note[] = [];
    for (let page = 1; ; page++) {
      const params = { orderBy: 'id asc', page: String(page), pageSize: String(PAGE) };
      const list = await this.send({ method: 'GET', path: `/service/tickets/${enc(ticketId)}/notes`, params, retry: 'always', what: `read the notes of ticket ${ticketId}`, ticketId }, NoteListSchema);
      out.push(...list);
      if (list.length < PAGE) return out;
    }
  }

  /** POST /service/tickets/{id}/notes */
  async addNote(ticketId: string, note: NewNote, retry: RetryPolicy): Promise<Note> {
    return this.send({ method: 'POST', path: `/service/tickets/${enc(ticketId)}/notes`, data: note, retry, what: `add a note to ticket ${ticketId}`, ticketId }, NoteSchema);
  }

  /** PATCH /service/tickets/{id} with a JSON Patch array. */
  async patchTicket(ticketId: string, ops: PatchOp[]): Promise<Ticket> {
    return this.send({ method: 'PATCH', path: `/service/tickets/${enc(ticketId)}`, data: ops, retry: 'always', what: `update ticket ${ticketId}`, ticketId }, TicketSchema);
  }

  /** GET /company/contacts/{id} */
  async contact(id: number): Promise<Contact> {
    return this.send({ method: 'GET', path: `/company/contacts/${id}`, params: { fields: 'id,firstName,lastName,inactiveFlag,communicationItems' }, retry: 'always', what: `read contact ${id}` }, ContactSchema);
  }

  /** GET /service/boards/{id}/statuses (every page) */
  async boardStatuses(boardId: number): Promise<BoardStatus[]> {
    const params = { pageSize: String(PAGE), orderBy: 'id asc' };
    return this.send({ method: 'GET', path: `/service/boards/${boardId}/statuses`, params, retry: 'always', what: `read the statuses of board ${boardId}` }, BoardStatusListSchema);
  }

  /** GET /service/boards/{id} */
  async board(boardId: number): Promise<z.output<typeof BoardSchema>> {
    return this.send({ method: 'GET', path: `/service/boards/${boardId}`, retry: 'always', what: `read board ${boardId}` }, BoardSchema);
  }

  /** GET /service/boards/{id}/teams/{teamId} */
  async team(boardId: number, teamId: number): Promise<z.output<typeof TeamSchema>> {
    return this.send({ method: 'GET', path: `/service/boards/${boardId}/teams/${teamId}`, retry: 'always', what: `read team ${teamId} of board ${boardId}` }, TeamSchema);
  }

  /** The member with this identifier (Member ID), if any: GET /system/members?conditions=identifier="…" */
  async memberByIdentifier(identifier: string): Promise<{ id: number; identifier: string; inactiveFlag?: boolean | undefined } | undefined> {
    const params = { conditions: `identifier="${identifier}"`, fields: 'id,identifier,inactiveFlag', pageSize: '2' };
    return (await this.send({ method: 'GET', path: '/system/members', params, retry: 'always', what: `find member ${identifier}` }, MemberListSchema))[0];
  }

  close(): void {
    this.agent.destroy();
  }

  private async send<S extends z.ZodType>(call: DeskCall, schema: S): Promise<z.output<S>> {
    return this.options.limiter.guard(call.what, () => this.attempts(call, schema));
  }

  private async attempts<S extends z.ZodType>(call: DeskCall, schema: S): Promise<z.output<S>> {
    // a 429 carries Retry-After in seconds ("PSA API Requests", Retry Policy): every worker waits it out together
    const res = await sendWithRetries(call, this.limits, limitedRetryHooks(SYSTEM, this.options.limiter), () =>
      this.http.request<unknown>({ method: call.method, url: call.path, params: call.params, data: call.data, ...(call.data !== undefined ? { headers: { 'content-type': 'application/json' } } : {}) }),
    );
    return readAnswer(ANSWERS, res, call, schema);
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** ConnectWise's error code and message, cut short; never the request. */
function errorText(data: unknown): string {
  const body = ErrorBodySchema.safeParse(data);
  if (!body.success) return 'no ConnectWise error body: check CONNECTWISE_SITE';
  const { code, message, errors } = body.data;
  const first = errors?.[0];
  return [code, message, first?.message ? `${first.field ? `${first.field}: ` : ''}${first.message}` : undefined].filter(Boolean).join(': ').slice(0, 200) || 'error';
}

/** How this desk's refusals and misshapen answers are named. */
const ANSWERS: DeskAnswers = {
  system: SYSTEM,
  refused: (status, what, detail) => new ConnectWiseRequestRefused(status, what, detail),
  responseInvalid: (what, field, detail) => new ConnectWiseResponseInvalid(what, field, detail),
  errorText,
};
