import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import { limitedRetryHooks, type RequestLimiter } from '../request-limiter.js';
import { keepAliveHttp, type KeepAliveHttp } from '../../shared/keep-alive-http.js';
import { retryLimits, sendWithRetries, type RetryLimits, type RetryOptions } from '../../shared/http-retry.js';
import { readAnswer, type DeskAnswers, type DeskCall } from '../desk-answer.js';
import { HaloRequestRefused, HaloResponseInvalid } from './halo-errors.js';
import { HaloToken, type HaloTokenRequest } from './oauth-token.js';
import {
  ActionCreatedSchema,
  ActionListSchema,
  AgentSchema,
  StatusListSchema,
  TeamListSchema,
  TicketListSchema,
  TicketSchema,
  TicketUpdatedSchema,
  UserSchema,
  ticketStampMs,
  type HaloAction,
  type HaloAgent,
  type HaloStatus,
  type HaloTicket,
  type HaloTicketSummary,
  type HaloUser,
} from './schemas.js';

export const SYSTEM = 'halo';
/** records per page of a list (page_size); page_no counts from 1 */
const PAGE = 100;
/** a list longer than this many pages is cut (a runaway listing costs the budget of every worker) */
const MAX_PAGES = 50;

export { NO_LIMIT, type RequestLimiter } from '../request-limiter.js';

export interface HaloClientOptions extends RetryOptions {
  baseUrl: string;
  authUrl: string;
  token: HaloTokenRequest;
  limiter: RequestLimiter;
  timeoutMs?: number;
}

/** A new action: visible to the end user (hiddenfromuser false) or an internal note. */
export interface NewAction {
  ticket_id: number;
  note: string;
  hiddenfromuser: boolean;
  /** a visible action is e-mailed to the ticket's end user */
  sendemail: boolean;
}

/** The fields of one ticket update (POST /api/Tickets with the ticket's id). */
export interface TicketPatch {
  status_id?: number;
  team?: string;
  agent_id?: number;
}

/** The Halo API (resource server) with OAuth client-credentials tokens, time-outs, retries, a shared rate limit and typed errors. */
export class HaloClient {
  private readonly http: AxiosInstance;
  private readonly agents: Array<KeepAliveHttp['agent']> = [];
  private readonly limits: RetryLimits;
  private readonly token: HaloToken;

  constructor(private readonly options: HaloClientOptions) {
    this.limits = retryLimits(options);
    this.http = this.axiosFor(`${options.baseUrl.replace(/\/+$/, '')}/api`);
    this.token = new HaloToken(this.axiosFor(options.authUrl.replace(/\/+$/, '')), options.token, options.limiter, options.now);
  }

  /** GET /api/Tickets/{id} */
  async getTicket(id: string): Promise<HaloTicket> {
    return this.send({ method: 'GET', path: `/Tickets/${num(id)}`, retry: 'always', what: `read ticket ${id}`, ticketId: id }, TicketSchema);
  }

  /** Every ticket the filter finds, page by page (pageinate, page_size, page_no) until record_count is reached. */
  async listTickets(filter: Record<string, string>): Promise<HaloTicketSummary[]> {
    const out: HaloTicketSummary[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const params = { ...filter, pageinate: 'true', page_size: String(PAGE), page_no: String(page) };
      const list = await this.send({ method: 'GET', path: '/Tickets', params, retry: 'always', what: 'list watched tickets' }, TicketListSchema);
      out.push(...list.tickets);
      if (list.tickets.length < PAGE || out.length >= list.record_count) return out;
    }
    return out;
  }

  /** GET /api/Users/{id}: the end user. */
  async getUser(id: number): Promise<HaloUser> {
    return this.send({ method: 'GET', path: `/Users/${id}`, retry: 'always', what: `read user ${id}` }, UserSchema);
  }

  /** The ticket's actions, oldest first (GET /api/Actions?ticket_id=, page by page). */
  async actions(ticketId: string): Promise<HaloAction[]> {
    const out: HaloAction[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const params = { ticket_id: String(num(ticketId)), pageinate: 'true', page_size: String(PAGE), page_no: String(page) };
      const list = await this.send({ method: 'GET', path: '/Actions', params, retry: 'always', what: `read the actions of ticket ${ticketId}`, ticketId }, ActionListSchema);
      out.push(...list.actions);
      if (list.actions.length < PAGE || out.length >= list.record_count) break;
    }
    return out.sort((a, b) => a.datetime.localeCompare(b.datetime) || a.id - b.id);
  }

  /** POST /api/Actions (an array of one): a note visible to the end user or hidden from them. Never repeated once sent. */
  async addAction(action: NewAction): Promise<HaloAction> {
    return this.send({ method: 'POST', path: '/Actions', data: [action], retry: 'unsent', what: `add an action to ticket ${action.ticket_id}`, ticketId: String(action.ticket_id) }, ActionCreatedSchema);
  }

  /** POST /api/Tickets with the ticket's id: status, team, agent. Ends the same however often sent. Answers the ticket's change stamp, when Halo gives it. */
  async updateTicket(id: string, patch: TicketPatch): Promise<number | undefined> {
    const updated = await this.send({ method: 'POST', path: '/Tickets', data: [{ id: num(id), ...patch }], retry: 'always', what: `update ticket ${id}`, ticketId: id }, TicketUpdatedSchema);
    return updated.lastactiondate || updated.last_update ? ticketStampMs(updated) : undefined;
  }

  /** GET /api/Status: the tenant's ticket statuses. */
  async statuses(): Promise<HaloStatus[]> {
    return this.send({ method: 'GET', path: '/Status', retry: 'always', what: 'read the ticket statuses' }, StatusListSchema);
  }

  /** GET /api/Agent/me: the agent the application acts as. */
  async me(): Promise<HaloAgent> {
    return this.send({ method: 'GET', path: '/Agent/me', retry: 'always', what: 'read the API agent' }, AgentSchema);
  }

  /** GET /api/Team (the check command only). */
  async teams(): Promise<Array<{ id: number; name: string; inactive?: boolean | null | undefined }>> {
    return this.send({ method: 'GET', path: '/Team', retry: 'always', what: 'read the teams' }, TeamListSchema);
  }

  close(): void {
    for (const a of this.agents) a.destroy();
  }

  private axiosFor(baseURL: string): AxiosInstance {
    const { http, agent } = keepAliveHttp(baseURL, this.options.timeoutMs, { accept: 'application/json' });
    this.agents.push(agent);
    return http;
  }

  private async send<S extends z.ZodType>(call: DeskCall, schema: S): Promise<z.output<S>> {
    return this.options.limiter.guard(call.what, () => this.attempts(call, schema));
  }

  private async attempts<S extends z.ZodType>(call: DeskCall, schema: S): Promise<z.output<S>> {
    let refreshed = false;
    const res = await sendWithRetries(
      call,
      this.limits,
      {
        // a 429 is the tenant's rate limit: every worker waits it out together
        ...limitedRetryHooks(SYSTEM, this.options.limiter),
        // a token Halo no longer takes: one new token, then the same request (a 401 was never applied)
        againAtOnce: (r) => {
          if (r.status !== 401 || refreshed) return false;
          refreshed = true;
          this.token.invalidate();
          return true;
        },
      },
      async () => this.http.request<unknown>({ method: call.method, url: call.path, params: call.params, data: call.data, headers: { authorization: `Bearer ${await this.token.get()}` } }),
    );
    return readAnswer(ANSWERS, res, call, schema);
  }
}

/** Halo's ticket ids are numbers: anything else names no ticket (and never reaches a URL). */
function num(id: string): number {
  return /^\d{1,12}$/.test(id) ? Number(id) : 0;
}

/** Halo's error text, cut short; never the request. */
function errorText(data: unknown): string {
  if (typeof data === 'string') return data.slice(0, 200) || 'no body';
  if (data && typeof data === 'object') {
    const o = data as Record<string, unknown>;
    const msg = [o.error, o.error_description, o.message, o.ClassName].find((v) => typeof v === 'string');
    if (typeof msg === 'string') return msg.slice(0, 200);
  }
  return 'no Halo error body: check HALO_BASE_URL';
}

/** How this desk's refusals and misshapen answers are named. */
const ANSWERS: DeskAnswers = {
  system: SYSTEM,
  refused: (status, what, detail) => new HaloRequestRefused(status, what, detail),
  responseInvalid: (what, field, detail) => new HaloResponseInvalid(what, field, detail),
  errorText,
};
