import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { limitedRetryHooks, type RequestLimiter } from '../request-limiter.js';
import { keepAliveHttp, type KeepAliveHttp } from '../../shared/keep-alive-http.js';
import { retryLimits, sendWithRetries, type RetryLimits, type RetryOptions } from '../../shared/http-retry.js';
import { readAnswer, type DeskAnswers, type DeskCall } from '../desk-answer.js';
import type { JiraCredentials } from './config.js';
import { JiraRequestRefused, JiraResponseInvalid } from './jira-errors.js';
import {
  ErrorBodySchema,
  JiraIssueSchema,
  JiraUserSchema,
  JsmCommentSchema,
  JsmCommentsPageSchema,
  JsmRequestSchema,
  JsmServiceDeskSchema,
  SearchJqlResponseSchema,
  TransitionsResponseSchema,
  type JiraIssue,
  type JiraTransition,
  type JiraUser,
  type JsmComment,
} from './schemas.js';

export const SYSTEM = 'jira';

/** The issue fields every read asks for (and nothing more: a read of all fields is large). */
export const ISSUE_FIELDS = 'summary,description,status,labels,reporter,assignee,project,issuetype,created,updated';

export { NO_LIMIT, type RequestLimiter } from '../request-limiter.js';

export interface JiraClientOptions extends RetryOptions {
  baseUrl: string;
  credentials: JiraCredentials;
  limiter: RequestLimiter;
  timeoutMs?: number;
}

/** The edit of PUT /rest/api/3/issue/{key}: label operations and the assignee, in one request. */
export interface IssueEdit {
  addLabels: string[];
  removeLabels: string[];
  assigneeAccountId?: string;
}

const NoContent = z.unknown();

/**
 * Jira Cloud's platform REST API (v3) and the Jira Service Management API (servicedeskapi) with time-outs, retries with
 * backoff, a shared rate limit honouring 429 Retry-After, and typed errors.
 */
export class JiraClient {
  private readonly http: AxiosInstance;
  private readonly agent: KeepAliveHttp['agent'];
  private readonly limits: RetryLimits;

  constructor(private readonly options: JiraClientOptions) {
    this.limits = retryLimits(options);
    const { credentials } = options;
    const authorization =
      credentials.kind === 'token'
        ? `Basic ${Buffer.from(`${credentials.email}:${credentials.token}`, 'utf8').toString('base64')}`
        : `Bearer ${credentials.token}`;
    ({ http: this.http, agent: this.agent } = keepAliveHttp(options.baseUrl.replace(/\/+$/, ''), options.timeoutMs, { accept: 'application/json', authorization }));
  }

  /** The API user (the bot): GET /rest/api/3/myself */
  async myself(): Promise<JiraUser> {
    return this.send({ method: 'GET', path: '/rest/api/3/myself', retry: 'always', what: 'read the API user' }, JiraUserSchema);
  }

  /** GET /rest/api/3/user?accountId= */
  async user(accountId: string): Promise<JiraUser> {
    return this.send({ method: 'GET', path: '/rest/api/3/user', params: { accountId }, retry: 'always', what: `read user ${accountId}` }, JiraUserSchema);
  }

  /** GET /rest/api/3/issue/{key}?fields=…, with the transitions available now when asked (one request either way). */
  async issue(key: string, opts: { transitions?: boolean } = {}): Promise<JiraIssue> {
    const params: Record<string, string> = { fields: ISSUE_FIELDS, ...(opts.transitions ? { expand: 'transitions' } : {}) };
    return this.send({ method: 'GET', path: `/rest/api/3/issue/${enc(key)}`, params, retry: 'always', what: `read issue ${key}`, ticketId: key }, JiraIssueSchema);
  }

  /** The customer request (reporter as the service desk records them, request type): GET /rest/servicedeskapi/request/{key} */
  async request(key: string): Promise<z.output<typeof JsmRequestSchema>> {
    return this.send({ method: 'GET', path: `/rest/servicedeskapi/request/${enc(key)}`, retry: 'always', what: `read request ${key}`, ticketId: key }, JsmRequestSchema);
  }

  async serviceDesk(id: string): Promise<z.output<typeof JsmServiceDeskSchema>> {
    return this.send({ method: 'GET', path: `/rest/servicedeskapi/servicedesk/${enc(id)}`, retry: 'always', what: `read service desk ${id}` }, JsmServiceDeskSchema);
  }

  /** Every comment, public and internal, oldest first: GET /rest/servicedeskapi/request/{key}/comment (start/limit pages) */
  async comments(key: string): Promise<JsmComment[]> {
    const out: JsmComment[] = [];
    for (let start = 0; ; ) {
      const page = await this.send(
        { method: 'GET', path: `/rest/servicedeskapi/request/${enc(key)}/comment`, params: { start: String(start), limit: '100' }, retry: 'always', what: `list the comments of ${key}`, ticketId: key },
        JsmCommentsPageSchema,
      );
      out.push(...page.values);
      if (page.isLastPage || page.values.length === 0) return out;
      start = page.start + page.values.length;
    }
  }

  /** POST /rest/servicedeskapi/request/{key}/comment {body, public}: never repeated after an unknown outcome (`unsent`). */
  async addComment(key: string, body: string, isPublic: boolean): Promise<JsmComment> {
    return this.send(
      { method: 'POST', path: `/rest/servicedeskapi/request/${enc(key)}/comment`, data: { body, public: isPublic }, retry: 'unsent', what: `comment on ${key}`, ticketId: key },
      JsmCommentSchema,
    );
  }

  /** GET /rest/api/3/issue/{key}/transitions: the transitions available to the bot from the issue's status now */
  async transitions(key: string): Promise<JiraTransition[]> {
    const res = await this.send({ method: 'GET', path: `/rest/api/3/issue/${enc(key)}/transitions`, retry: 'always', what: `read the transitions of ${key}`, ticketId: key }, TransitionsResponseSchema);
    return res.transitions;
  }

  /**
   * POST /rest/api/3/issue/{key}/transitions {transition: {id}} (204). Not repeated after an unknown outcome: a second
   * try from the new status could be refused, so the adapter reads the status again instead.
   */
  async transition(key: string, transitionId: string): Promise<void> {
    await this.send({ method: 'POST', path: `/rest/api/3/issue/${enc(key)}/transitions`, data: { transition: { id: transitionId } }, retry: 'unsent', what: `transition ${key}`, ticketId: key }, NoContent);
  }

  /** PUT /rest/api/3/issue/{key} with label operations (never the whole set) and the assignee: the same end state however often. */
  async edit(key: string, edit: IssueEdit): Promise<void> {
    const labels = [...edit.addLabels.map((l) => ({ add: l })), ...edit.removeLabels.map((l) => ({ remove: l }))];
    const data = {
      ...(labels.length > 0 ? { update: { labels } } : {}),
      ...(edit.assigneeAccountId !== undefined ? { fields: { assignee: { accountId: edit.assigneeAccountId } } } : {}),
    };
    await this.send({ method: 'PUT', path: `/rest/api/3/issue/${enc(key)}`, params: { notifyUsers: 'false' }, data, retry: 'always', what: `edit ${key}`, ticketId: key }, NoContent);
  }

  /** Every issue the JQL finds, following `nextPageToken`: POST /rest/api/3/search/jql */
  async search(jql: string): Promise<Array<{ key: string; updated: string }>> {
    const out: Array<{ key: string; updated: string }> = [];
    let token: string | undefined;
    for (;;) {
      const data = { jql, fields: ['updated'], maxResults: 100, ...(token !== undefined ? { nextPageToken: token } : {}) };
      const page = await this.send({ method: 'POST', path: '/rest/api/3/search/jql', data, retry: 'always', what: 'search watched requests' }, SearchJqlResponseSchema);
      out.push(...page.issues.map((i) => ({ key: i.key, updated: i.fields.updated })));
      if (page.isLast === true || !page.nextPageToken) return out;
      token = page.nextPageToken;
    }
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
      // a 429 is the site's limit: every worker waits it out together; Jira sends Retry-After with some 503s (a
      // resource limit): the same pause
      { ...limitedRetryHooks(SYSTEM, limiter), retryAfterOn503: true },
      () => this.http.request<unknown>({ method: call.method, url: call.path, params: call.params, data: call.data }),
    );
    return readAnswer(ANSWERS, res, call, schema);
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** Jira's error messages, cut short; never the request. */
function errorText(data: unknown): string {
  const body = ErrorBodySchema.safeParse(data);
  if (!body.success) return 'no Jira error body: check JIRA_BASE_URL';
  const { errorMessages, errors, errorMessage } = body.data;
  const parts = [...(errorMessages ?? []), ...Object.entries(errors ?? {}).map(([k, v]) => `${k}: ${v}`), ...(errorMessage ? [errorMessage] : [])];
  return (parts.join('; ') || 'no message').slice(0, 200);
}

/** How this desk's refusals and misshapen answers are named. */
const ANSWERS: DeskAnswers = {
  system: SYSTEM,
  refused: (status, what, detail) => new JiraRequestRefused(status, what, detail),
  responseInvalid: (what, field, detail) => new JiraResponseInvalid(what, field, detail),
  errorText,
};
