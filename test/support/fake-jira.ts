import { createHmac, randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { JiraConfig } from '../../integrations/ticketing/jira/config.js';
import { hasMarker } from '../../integrations/ticketing/jira/comment-marker.js';
import type { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import type { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import type { App } from '../../workers/app.js';
import type { Scenario } from '../demo/scenarios.js';
import { ScriptedAnswers } from '../demo/scripted-answers.js';
import { ticketKey } from '../../workers/store/keys.js';
import { installWriteFaults } from './local-desk.js';
import type { WriteFault } from './ticket-system-contract.js';
import type { WorkflowState } from '../../workflows/resync/state.js';

/**
 * A fake Jira Service Management Cloud site built from Atlassian's published reference. Every shape below names the
 * page it follows (all under https://developer.atlassian.com unless said otherwise):
 *
 * - GET  /rest/api/3/myself, GET /rest/api/3/user?accountId=  — /cloud/jira/platform/rest/v3/api-group-myself/,
 *   /cloud/jira/platform/rest/v3/api-group-users/#api-rest-api-3-user-get (User: accountId, accountType
 *   atlassian|app|customer, displayName, emailAddress hidden by profile visibility, active, timeZone, and `locale`,
 *   which an issue's UserDetails lack)
 * - GET  /rest/api/3/issue/{key}?fields=…&expand=transitions, PUT /rest/api/3/issue/{key} (update.labels add/remove,
 *   fields.assignee.accountId; 204) — /cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get
 *   and -put; `description` in Atlassian Document Format — /cloud/jira/platform/apis/document/structure/
 * - GET/POST /rest/api/3/issue/{key}/transitions ({transition: {id}}; 204; 400 "Transition id … is not valid") —
 *   /cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-get and -post
 * - POST /rest/api/3/search/jql ({jql, fields, maxResults, nextPageToken} → {issues, nextPageToken, isLast}) —
 *   /cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post
 * - GET /rest/servicedeskapi/request/{key}, GET/POST /rest/servicedeskapi/request/{key}/comment (CommentDTO: id, body,
 *   public, author, created DateDTO; PagedDTO start/limit/isLastPage/values), GET /rest/servicedeskapi/servicedesk/{id}
 *   — /cloud/jira/service-desk/rest/api-group-request/, /cloud/jira/service-desk/rest/api-group-servicedesk/
 * - 429 with Retry-After (seconds) and X-RateLimit-Reset — /cloud/jira/platform/rate-limiting/
 * - admin webhooks (jira:issue_created, jira:issue_updated with changelog items, comment_created with `jsdPublic`),
 *   signed `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with X-Atlassian-Webhook-Identifier —
 *   /cloud/jira/platform/webhooks/ (#secure-admin-webhooks, #retry-policy); or an Automation rule's "Send web request"
 *   with a secret header — support.atlassian.com/cloud-automation/docs/jira-automation-actions/#send-web-request
 * - basic auth email:api_token, OAuth 2.0 bearer — /cloud/jira/platform/basic-auth-for-rest-apis/,
 *   /cloud/jira/platform/oauth-2-3lo-apps/
 *
 * Site rules modelled on JSM's default IT service request workflow: a new request waits for support; the customer's
 * comment on a request waiting for the customer moves it back to "Waiting for support" (the default automation, run by
 * the "Automation for Jira" app account). Transition ids are the site's own (`transitionIdOffset` shifts them).
 * Real HTTP on 127.0.0.1, state in memory, every request recorded with its arrival and answer times.
 */

export type AccountType = 'atlassian' | 'app' | 'customer';
export type CategoryKey = 'new' | 'indeterminate' | 'done';

export interface FakeJiraUser {
  accountId: string;
  accountType: AccountType;
  displayName: string;
  emailAddress: string | null;
  /** Atlassian's profile visibility: the platform API hides the email; JSM still shows a customer's to agents */
  hideEmail: boolean;
  /** the profile's language in Java's form ("de_DE"), shown by GET /user only (User `locale`, not in UserDetails); null: hidden or none */
  locale?: string | null;
}

export interface FakeJiraIssue {
  id: string;
  key: string;
  summary: string;
  description: string;
  statusId: string;
  labels: string[];
  reporterId: string;
  assigneeId: string | null;
  requestTypeId: string;
  participants: string[];
  created: number;
  updated: number;
}

export interface FakeJiraComment {
  id: string;
  authorId: string;
  body: string;
  public: boolean;
  created: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  at: number;
  answeredAt: number;
  status: number;
  retryAfterS?: number;
}

export interface Delivery {
  body: string;
  headers: Record<string, string>;
  status?: number;
}

export interface FakeJiraOptions {
  email?: string;
  apiToken?: string;
  oauthToken?: string;
  webhookSecret?: string;
  webhookUrl?: string;
  /** `admin`: signed admin webhooks (default); `automation`: the README's Automation rule body with the secret header */
  webhookStyle?: 'admin' | 'automation';
  rateLimit?: { perWindow: number; windowMs: number };
  /** added to every transition id, so that a test proves ids are read, not assumed */
  transitionIdOffset?: number;
  /** comment_created webhooks without `jsdPublic` (a site or event version that does not send it) */
  commentWebhookWithoutVisibility?: boolean;
  /** the site's time zone offset in minutes: Jira writes times in it (default +60) */
  utcOffsetMinutes?: number;
}

export const PROJECT = { id: '10010', key: 'ITS', name: 'IT Support' };
export const SERVICE_DESK_ID = '4';
const ISSUE_TYPE_ID = '10004';
export const REQUEST_TYPE = { twofa: '31', other: '32' };

const STATUSES: Record<string, { name: string; category: CategoryKey; categoryId: number }> = {
  '10001': { name: 'Waiting for support', category: 'new', categoryId: 2 },
  '10002': { name: 'Waiting for customer', category: 'indeterminate', categoryId: 4 },
  '3': { name: 'In Progress', category: 'indeterminate', categoryId: 4 },
  '10003': { name: 'Resolved', category: 'done', categoryId: 3 },
  '6': { name: 'Closed', category: 'done', categoryId: 3 },
};

/** [id, name, from status, to status] of JSM's IT service request workflow (ids as a site might number them). */
const WORKFLOW: Array<[number, string, string, string]> = [
  [761, 'Respond to customer', '10001', '10002'],
  [801, 'Start work', '10001', '3'],
  [851, 'Resolve this issue', '10001', '10003'],
  [771, 'Respond to support', '10002', '10001'],
  [811, 'Start work', '10002', '3'],
  [861, 'Resolve this issue', '10002', '10003'],
  [781, 'Respond to customer', '3', '10002'],
  [871, 'Resolve this issue', '3', '10003'],
  [901, 'Reopen', '10003', '10001'],
  [911, 'Close', '10003', '6'],
];

export interface FakeJira {
  url: string;
  readonly bot: FakeJiraUser;
  /** "Automation for Jira": the app account JSM's own rules act as */
  readonly automation: FakeJiraUser;
  users: Map<string, FakeJiraUser>;
  issues: Map<string, FakeJiraIssue>;
  comments: Map<string, FakeJiraComment[]>;
  requests: RecordedRequest[];
  deliveries: Delivery[];
  dropWebhooks: number;
  statusName(issue: FakeJiraIssue): string;
  statusCategory(issue: FakeJiraIssue): CategoryKey;
  transitionIdTo(fromStatusName: string, toStatusName: string): string;
  startStorm(retryAfterS: number): void;
  injectAnswer(rule: { method?: string; path: string; times: number; status: number; body: unknown; headers?: Record<string, string> }): void;
  addUser(u: { displayName: string; email: string | null; accountType: AccountType; hideEmail?: boolean }): FakeJiraUser;
  createRequest(r: { summary: string; description: string; reporter: { email: string; name: string; locale?: string }; labels?: string[]; requestTypeId?: string; hideEmail?: boolean }): Promise<FakeJiraIssue>;
  addComment(key: string, c: { authorId: string; body: string; public?: boolean }): Promise<FakeJiraComment>;
  addParticipant(key: string, accountId: string): void;
  changeIssue(key: string, c: { actorId: string; addLabels?: string[]; removeLabels?: string[]; toStatus?: string }): Promise<void>;
  /** makes the bot's next write (a comment, a transition, an edit) fail once as `kind` (see installWriteFaults) */
  failNextWrite(kind: WriteFault): void;
  /** true while a fault set by failNextWrite has not met a write yet */
  writeFaultPending(): boolean;
  redeliver(d: Delivery, headers?: Record<string, string>): Promise<number>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeJira(options: FakeJiraOptions = {}): Promise<FakeJira> {
  const users = new Map<string, FakeJiraUser>();
  const issues = new Map<string, FakeJiraIssue>();
  const comments = new Map<string, FakeJiraComment[]>();
  const requests: RecordedRequest[] = [];
  const deliveries: Delivery[] = [];
  const injected: Array<{ method?: string; path: string; times: number; status: number; body: unknown; headers?: Record<string, string> }> = [];
  const offset = options.transitionIdOffset ?? 0;
  const tz = options.utcOffsetMinutes ?? 60;
  let nextIssue = 1;
  let nextId = 10_100;
  let nextComment = 20_000;
  let nextChange = 50_000;
  let stormArmed: number | undefined;
  let pausedUntil = 0;
  let window = { start: 0, count: 0 };
  let outbox: Promise<void> = Promise.resolve();

  const email = options.email ?? 'twofa-bot@acme.example';
  const newAccountId = (type: AccountType) => (type === 'customer' ? `qm:${randomUUID()}:${randomUUID()}` : `5b10ac8d82e05b22cc7d${randomUUID().replace(/-/g, '').slice(0, 8)}`);
  const add = (u: Omit<FakeJiraUser, 'accountId'>): FakeJiraUser => {
    const user = { accountId: newAccountId(u.accountType), ...u };
    users.set(user.accountId, user);
    return user;
  };
  const bot = add({ accountType: 'atlassian', displayName: 'twofa-desk bot', emailAddress: email, hideEmail: false });
  const automation = add({ accountType: 'app', displayName: 'Automation for Jira', emailAddress: null, hideEmail: true });

  /** Jira's format: local time of the site with a +hhmm offset, to the millisecond. */
  function jiraTime(ms: number): string {
    const local = new Date(ms + tz * 60_000).toISOString().replace('Z', '');
    const sign = tz >= 0 ? '+' : '-';
    const abs = Math.abs(tz);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  }

  const statusJson = (id: string) => {
    const s = STATUSES[id];
    if (!s) throw new Error(`no status ${id}`);
    return { self: `${fake.url}/rest/api/3/status/${id}`, description: '', iconUrl: '', name: s.name, id, statusCategory: { self: '', id: s.categoryId, key: s.category, colorName: 'blue-gray', name: s.category } };
  };

  /** `user: true`: the User of GET /user, with `locale`; otherwise the UserDetails an issue or a comment carries. */
  function userJson(id: string | null, opts: { webhook?: boolean; user?: boolean } = {}): Record<string, unknown> | null {
    if (id === null) return null;
    const u = users.get(id);
    if (!u) return null;
    // Webhooks carry no email addresses; the API shows one unless the profile hides it.
    const showEmail = !opts.webhook && !u.hideEmail && u.emailAddress !== null;
    return { self: `${fake.url}/rest/api/3/user?accountId=${u.accountId}`, accountId: u.accountId, accountType: u.accountType, displayName: u.displayName, active: true, timeZone: 'Europe/Berlin', ...(showEmail ? { emailAddress: u.emailAddress } : {}), ...(opts.user ? { locale: u.locale ?? null } : {}), avatarUrls: {} };
  }

  const available = (issue: FakeJiraIssue) => WORKFLOW.filter(([, , from]) => from === issue.statusId);
  const transitionJson = ([id, name, , to]: [number, string, string, string]) => ({ id: String(id + offset), name, to: statusJson(to), hasScreen: false, isGlobal: false, isInitial: false, isAvailable: true, isConditional: false, isLooped: false });

  function issueJson(issue: FakeJiraIssue, fields: string[] | undefined, opts: { webhook?: boolean } = {}): Record<string, unknown> {
    const all: Record<string, unknown> = {
      summary: issue.summary,
      description: adfDoc(issue.description),
      status: statusJson(issue.statusId),
      labels: issue.labels,
      reporter: userJson(issue.reporterId, opts),
      assignee: userJson(issue.assigneeId, opts),
      project: { self: '', id: PROJECT.id, key: PROJECT.key, name: PROJECT.name, projectTypeKey: 'service_desk' },
      issuetype: { self: '', id: ISSUE_TYPE_ID, name: '[System] Service request', subtask: false },
      created: jiraTime(issue.created),
      updated: jiraTime(issue.updated),
      customfield_10010: { requestType: { id: issue.requestTypeId } },
    };
    const wanted = fields && !fields.includes('*all') ? Object.fromEntries(Object.entries(all).filter(([k]) => fields.includes(k))) : all;
    return { expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations', id: issue.id, self: `${fake.url}/rest/api/3/issue/${issue.id}`, key: issue.key, fields: wanted };
  }

  function commentDto(c: FakeJiraComment): Record<string, unknown> {
    const author = users.get(c.authorId);
    return {
      _expands: ['attachment', 'renderedBody'],
      id: c.id,
      body: c.body,
      public: c.public,
      author: { accountId: c.authorId, displayName: author?.displayName ?? '', ...(author?.emailAddress && !author.hideEmail ? { emailAddress: author.emailAddress } : {}), active: true, timeZone: 'Europe/Berlin', _links: {} },
      created: { iso8601: jiraTime(c.created).replace(/\.\d{3}/, ''), jira: jiraTime(c.created), friendly: 'Today', epochMillis: c.created },
      _links: { self: `${fake.url}/rest/servicedeskapi/request/${c.id}` },
    };
  }

  function touch(issue: FakeJiraIssue): void {
    issue.updated = Math.max(Date.now(), issue.updated + 1);
  }

  function notify(webhookEvent: string, issue: FakeJiraIssue, actorId: string | undefined, extra: Record<string, unknown>, slimIssue = false): void {
    if (!options.webhookUrl) return;
    if (fake.dropWebhooks > 0) {
      fake.dropWebhooks--;
      return;
    }
    const secret = options.webhookSecret ?? '';
    let body: string;
    let headers: Record<string, string>;
    if (options.webhookStyle === 'automation') {
      body = JSON.stringify({ twofa_desk: 'automation', issue_key: issue.key });
      headers = { 'content-type': 'application/json', 'x-twofa-desk-secret': secret };
    } else {
      // A comment event carries a slim issue (no labels, no reporter), as Jira sends it.
      const issuePart = slimIssue ? issueJson(issue, ['summary', 'status', 'project', 'issuetype', 'assignee'], { webhook: true }) : issueJson(issue, undefined, { webhook: true });
      body = JSON.stringify({ timestamp: Date.now(), webhookEvent, ...(actorId ? { user: userJson(actorId, { webhook: true }) } : {}), issue: issuePart, ...extra });
      headers = {
        'content-type': 'application/json; charset=utf-8',
        'x-atlassian-webhook-identifier': randomUUID(),
        'x-atlassian-webhook-flow': 'Primary',
        'x-hub-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      };
    }
    const delivery: Delivery = { body, headers };
    deliveries.push(delivery);
    outbox = outbox.then(async () => {
      delivery.status = await post(delivery);
    });
  }

  async function post(d: Delivery, extraHeaders: Record<string, string> = {}): Promise<number> {
    try {
      const res = await fetch(options.webhookUrl ?? '', { method: 'POST', headers: { ...d.headers, ...extraHeaders }, body: d.body });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  function changelog(items: Array<{ field: string; from: string | null; fromString: string | null; to: string | null; toString: string | null }>): Record<string, unknown> {
    return { changelog: { id: String(nextChange++), items: items.map((i) => ({ ...i, fieldtype: 'jira', fieldId: i.field })) } };
  }

  function applyLabels(issue: FakeJiraIssue, addL: string[], removeL: string[], actorId: string): void {
    const before = [...issue.labels];
    const after = [...before];
    for (const l of addL) if (!after.includes(l)) after.push(l);
    const kept = after.filter((l) => !removeL.includes(l));
    if (kept.join(' ') === before.join(' ')) return;
    issue.labels = kept;
    touch(issue);
    notify('jira:issue_updated', issue, actorId, { issue_event_type_name: 'issue_updated', ...changelog([{ field: 'labels', from: null, fromString: before.join(' '), to: null, toString: kept.join(' ') }]) });
  }

  function setStatus(issue: FakeJiraIssue, to: string, actorId: string): void {
    const from = issue.statusId;
    issue.statusId = to;
    touch(issue);
    notify('jira:issue_updated', issue, actorId, {
      issue_event_type_name: 'issue_generic',
      ...changelog([{ field: 'status', from, fromString: STATUSES[from]?.name ?? '', to, toString: STATUSES[to]?.name ?? '' }]),
    });
  }

  function pushComment(issue: FakeJiraIssue, authorId: string, body: string, isPublic: boolean): FakeJiraComment {
    const c: FakeJiraComment = { id: String(nextComment++), authorId, body, public: isPublic, created: Date.now() };
    comments.get(issue.key)?.push(c);
    touch(issue);
    const author = userJson(authorId, { webhook: true });
    const comment = {
      self: `${fake.url}/rest/api/2/issue/${issue.id}/comment/${c.id}`,
      id: c.id,
      author,
      body: c.body,
      updateAuthor: author,
      created: jiraTime(c.created),
      updated: jiraTime(c.created),
      ...(options.commentWebhookWithoutVisibility ? {} : { jsdPublic: c.public }),
    };
    notify('comment_created', issue, undefined, { comment }, true);
    // JSM's default automation: the customer answered, the request waits for support again.
    if (authorId === issue.reporterId && isPublic && issue.statusId === '10002') setStatus(issue, '10001', automation.accountId);
    return c;
  }

  const app = Fastify({ logger: false });
  // the search is a POST that reads: not a write
  const failNextWrite = installWriteFaults(app, (req) => (req.method === 'PUT' || req.method === 'POST') && req.url.startsWith('/rest/') && !req.url.startsWith('/rest/api/3/search/'));
  app.addHook('onRequest', async (req) => {
    (req as FastifyRequest & { arrivedAt: number }).arrivedAt = Date.now();
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const url = new URL(req.url, 'http://fake');
    const retry = reply.getHeader('retry-after');
    requests.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: req.body,
      at: (req as FastifyRequest & { arrivedAt: number }).arrivedAt,
      answeredAt: Date.now(),
      status: reply.statusCode,
      ...(retry !== undefined ? { retryAfterS: Number(retry) } : {}),
    });
    return payload;
  });

  const notFound = (reply: FastifyReply, what = 'Issue does not exist or you do not have permission to see it.') => reply.code(404).send({ errorMessages: [what], errors: {} });

  function authorised(req: FastifyRequest): boolean {
    const auth = req.headers.authorization ?? '';
    if (options.oauthToken !== undefined && auth === `Bearer ${options.oauthToken}`) return true;
    if (options.apiToken !== undefined && auth.startsWith('Basic ')) return Buffer.from(auth.slice(6), 'base64').toString('utf8') === `${email}:${options.apiToken}`;
    return false;
  }

  app.all('/rest/*', async (req, reply) => {
    const url = new URL(req.url, 'http://fake');
    const path = url.pathname;
    const q = url.searchParams;
    const t = Date.now();
    if (stormArmed !== undefined) {
      pausedUntil = t + stormArmed * 1000;
      stormArmed = undefined;
    }
    if (t < pausedUntil) {
      const s = Math.max(1, Math.ceil((pausedUntil - t) / 1000));
      return reply.code(429).header('retry-after', String(s)).header('x-ratelimit-reset', new Date(pausedUntil).toISOString().slice(0, 16) + 'Z').header('ratelimit-reason', 'jira-burst-based').send({ errorMessages: ['Rate limit exceeded.'] });
    }
    if (options.rateLimit) {
      if (t - window.start >= options.rateLimit.windowMs) window = { start: t, count: 0 };
      window.count++;
      if (window.count > options.rateLimit.perWindow) {
        return reply.code(429).header('retry-after', String(Math.max(1, Math.ceil((window.start + options.rateLimit.windowMs - t) / 1000)))).send({ errorMessages: ['Rate limit exceeded.'] });
      }
    }
    if (!authorised(req)) return reply.code(401).send({ errorMessages: ['Client must be authenticated to access this resource.'], errors: {} });
    const rule = injected.find((r) => r.times > 0 && path.includes(r.path) && (r.method === undefined || r.method === req.method));
    if (rule) {
      rule.times--;
      for (const [k, v] of Object.entries(rule.headers ?? {})) void reply.header(k, v);
      return reply.code(rule.status).send(rule.body);
    }

    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && path === '/rest/api/3/myself') return { ...userJson(bot.accountId), emailAddress: bot.emailAddress };
    if (req.method === 'GET' && path === '/rest/api/3/user') {
      const u = userJson(q.get('accountId') ?? '', { user: true });
      return u ?? reply.code(404).send({ errorMessages: ['Specified user does not exist or you do not have required permissions'], errors: {} });
    }
    if (req.method === 'GET' && (m = path.match(/^\/rest\/servicedeskapi\/servicedesk\/(\d+)$/))) {
      if (m[1] !== SERVICE_DESK_ID) return notFound(reply, 'Service desk does not exist');
      return { id: SERVICE_DESK_ID, projectId: PROJECT.id, projectName: PROJECT.name, projectKey: PROJECT.key, _links: { self: '' } };
    }
    if (req.method === 'POST' && path === '/rest/api/3/search/jql') {
      const body = req.body as { jql?: unknown; maxResults?: unknown; nextPageToken?: unknown; fields?: unknown } | undefined;
      if (typeof body?.jql !== 'string') return reply.code(400).send({ errorMessages: ['jql is required'], errors: {} });
      // The part of JQL the fake understands; anything else is an error, as an unknown clause would be.
      const jql = body.jql;
      const clauses = jql.split(/\s+AND\s+/i);
      let matches = [...issues.values()];
      for (const c of clauses) {
        let cm: RegExpMatchArray | null;
        if ((cm = c.match(/^project\s*=\s*"?([A-Z0-9]+)"?$/))) matches = matches.filter(() => cm?.[1] === PROJECT.key || cm?.[1] === PROJECT.id);
        else if ((cm = c.match(/^labels\s*=\s*"?([^"\s]+)"?$/))) matches = matches.filter((i) => i.labels.includes(cm?.[1] ?? ''));
        else if (/^statusCategory\s*!=\s*Done$/i.test(c)) matches = matches.filter((i) => STATUSES[i.statusId]?.category !== 'done');
        else return reply.code(400).send({ errorMessages: [`Error in the JQL Query: the fake does not understand '${c}'.`], errors: {} });
      }
      const size = Math.min(100, typeof body.maxResults === 'number' ? body.maxResults : 50);
      const start = typeof body.nextPageToken === 'string' ? Number(Buffer.from(body.nextPageToken, 'base64url').toString('utf8')) : 0;
      const page = matches.slice(start, start + size);
      const more = start + size < matches.length;
      const fields = Array.isArray(body.fields) ? (body.fields as string[]) : ['id'];
      return { issues: page.map((i) => issueJson(i, fields)), ...(more ? { nextPageToken: Buffer.from(String(start + size)).toString('base64url') } : {}), isLast: !more };
    }
    if ((m = path.match(/^\/rest\/api\/3\/issue\/([A-Z0-9]+-\d+)(\/transitions)?$/))) {
      const issue = issues.get(m[1] ?? '');
      if (!issue) return notFound(reply);
      if (m[2] && req.method === 'GET') return { expand: 'transitions', transitions: available(issue).map(transitionJson) };
      if (m[2] && req.method === 'POST') {
        const id = (req.body as { transition?: { id?: unknown } } | undefined)?.transition?.id;
        const chosen = available(issue).find(([tid]) => String(tid + offset) === id);
        if (!chosen) return reply.code(400).send({ errorMessages: [`Transition id '${String(id)}' is not valid for this issue.`], errors: {} });
        setStatus(issue, chosen[3], bot.accountId);
        return reply.code(204).send();
      }
      if (req.method === 'GET') {
        const fields = q.get('fields')?.split(',');
        const expand = (q.get('expand') ?? '').split(',');
        return { ...issueJson(issue, fields), ...(expand.includes('transitions') ? { transitions: available(issue).map(transitionJson) } : {}) };
      }
      if (req.method === 'PUT') {
        const body = (req.body ?? {}) as { update?: { labels?: unknown }; fields?: { labels?: unknown; assignee?: { accountId?: unknown } } };
        if (body.fields?.labels !== undefined) return reply.code(400).send({ errorMessages: [], errors: { labels: 'fake: the bot must not replace the whole label set' } });
        const ops = body.update?.labels;
        const addL: string[] = [];
        const removeL: string[] = [];
        if (ops !== undefined) {
          if (!Array.isArray(ops)) return reply.code(400).send({ errorMessages: [], errors: { labels: 'Operation value must be an array' } });
          for (const op of ops as Array<Record<string, unknown>>) {
            const v = op.add ?? op.remove;
            if (typeof v !== 'string' || /\s/.test(v)) return reply.code(400).send({ errorMessages: [], errors: { labels: 'The label must not contain spaces.' } });
            (op.add !== undefined ? addL : removeL).push(v);
          }
        }
        const assignee = body.fields?.assignee?.accountId;
        if (assignee !== undefined && (typeof assignee !== 'string' || users.get(assignee)?.accountType !== 'atlassian')) {
          return reply.code(400).send({ errorMessages: [], errors: { assignee: `User '${String(assignee)}' cannot be assigned issues.` } });
        }
        applyLabels(issue, addL, removeL, bot.accountId);
        if (typeof assignee === 'string' && issue.assigneeId !== assignee) {
          const before = issue.assigneeId;
          issue.assigneeId = assignee;
          touch(issue);
          notify('jira:issue_updated', issue, bot.accountId, { issue_event_type_name: 'issue_assigned', ...changelog([{ field: 'assignee', from: before, fromString: null, to: assignee, toString: users.get(assignee)?.displayName ?? '' }]) });
        }
        return reply.code(204).send();
      }
    }
    if ((m = path.match(/^\/rest\/servicedeskapi\/request\/([A-Z0-9]+-\d+)(\/comment)?$/))) {
      const issue = issues.get(m[1] ?? '');
      if (!issue) return notFound(reply);
      if (!m[2] && req.method === 'GET') {
        const reporter = users.get(issue.reporterId);
        return {
          _expands: ['participant', 'status', 'sla', 'requestType', 'serviceDesk', 'attachment', 'comment', 'action'],
          issueId: issue.id,
          issueKey: issue.key,
          requestTypeId: issue.requestTypeId,
          serviceDeskId: SERVICE_DESK_ID,
          createdDate: { iso8601: jiraTime(issue.created), jira: jiraTime(issue.created), friendly: 'Today', epochMillis: issue.created },
          reporter: { accountId: issue.reporterId, displayName: reporter?.displayName ?? '', emailAddress: reporter?.emailAddress ?? undefined, active: true, timeZone: 'Europe/Berlin', _links: {} },
          requestFieldValues: [
            { fieldId: 'summary', label: 'Summary', value: issue.summary },
            { fieldId: 'description', label: 'Description', value: issue.description },
          ],
          currentStatus: { status: STATUSES[issue.statusId]?.name, statusCategory: STATUSES[issue.statusId]?.category.toUpperCase(), statusDate: {} },
          _links: {},
        };
      }
      if (m[2] && req.method === 'GET') {
        const list = comments.get(issue.key) ?? [];
        const wantPublic = q.get('public') !== 'false';
        const wantInternal = q.get('internal') !== 'false';
        const visible = list.filter((c) => (c.public ? wantPublic : wantInternal));
        // JSM caps a page below what is asked for: the client must follow isLastPage.
        const limit = Math.min(50, Number(q.get('limit') ?? 50));
        const start = Number(q.get('start') ?? 0);
        const values = visible.slice(start, start + limit);
        return { _expands: [], size: values.length, start, limit, isLastPage: start + limit >= visible.length, _links: {}, values: values.map(commentDto) };
      }
      if (m[2] && req.method === 'POST') {
        const body = req.body as { body?: unknown; public?: unknown } | undefined;
        if (typeof body?.body !== 'string' || typeof body.public !== 'boolean') return reply.code(400).send({ errorMessage: 'body and public are required' });
        const c = pushComment(issue, bot.accountId, body.body, body.public);
        return reply.code(201).send(commentDto(c));
      }
    }
    return reply.code(404).send({ errorMessages: [`no route ${req.method} ${path}`], errors: {} });
  });

  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  const fake: FakeJira = {
    url: address,
    bot,
    automation,
    users,
    issues,
    comments,
    requests,
    deliveries,
    dropWebhooks: 0,
    statusName: (issue) => STATUSES[issue.statusId]?.name ?? '?',
    statusCategory: (issue) => STATUSES[issue.statusId]?.category ?? 'new',
    transitionIdTo(fromName, toName) {
      const from = Object.entries(STATUSES).find(([, s]) => s.name === fromName)?.[0];
      const to = Object.entries(STATUSES).find(([, s]) => s.name === toName)?.[0];
      const t = WORKFLOW.find(([, , f, tt]) => f === from && tt === to);
      if (!t) throw new Error(`no transition ${fromName} → ${toName}`);
      return String(t[0] + offset);
    },
    startStorm(retryAfterS) {
      stormArmed = retryAfterS;
    },
    injectAnswer(rule) {
      injected.push({ ...rule });
    },
    addUser(u) {
      return add({ accountType: u.accountType, displayName: u.displayName, emailAddress: u.email, hideEmail: u.hideEmail ?? false });
    },
    async createRequest(r) {
      const known = [...users.values()].find((u) => u.emailAddress?.toLowerCase() === r.reporter.email.toLowerCase());
      const reporter = known ?? add({ accountType: 'customer', displayName: r.reporter.name, emailAddress: r.reporter.email, hideEmail: r.hideEmail ?? false, locale: r.reporter.locale ?? null });
      const now = Date.now();
      const issue: FakeJiraIssue = {
        id: String(nextId++),
        key: `${PROJECT.key}-${nextIssue++}`,
        summary: r.summary,
        description: r.description,
        statusId: '10001',
        labels: [...(r.labels ?? [])],
        reporterId: reporter.accountId,
        assigneeId: null,
        requestTypeId: r.requestTypeId ?? REQUEST_TYPE.twofa,
        participants: [],
        created: now,
        updated: now,
      };
      issues.set(issue.key, issue);
      comments.set(issue.key, []);
      notify('jira:issue_created', issue, reporter.accountId, { issue_event_type_name: 'issue_created' });
      return issue;
    },
    async addComment(key, c) {
      const issue = issues.get(key);
      if (!issue) throw new Error(`no issue ${key}`);
      // Customers write public comments only.
      const isPublic = users.get(c.authorId)?.accountType === 'customer' ? true : (c.public ?? true);
      return pushComment(issue, c.authorId, c.body, isPublic);
    },
    addParticipant(key, accountId) {
      issues.get(key)?.participants.push(accountId);
    },
    async changeIssue(key, c) {
      const issue = issues.get(key);
      if (!issue) throw new Error(`no issue ${key}`);
      applyLabels(issue, c.addLabels ?? [], c.removeLabels ?? [], c.actorId);
      if (c.toStatus !== undefined) {
        const to = Object.entries(STATUSES).find(([, s]) => s.name === c.toStatus)?.[0];
        if (!to) throw new Error(`no status ${c.toStatus}`);
        setStatus(issue, to, c.actorId);
      }
    },
    failNextWrite,
    writeFaultPending: () => failNextWrite.pending(),
    redeliver: post,
    settle: async () => {
      await outbox;
    },
    async close() {
      await outbox;
      await app.close();
    },
  };
  return fake;
}

/** Signs a body as Jira signs an admin webhook saved with a secret. */
export function signAsJiraWebhook(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The environment of a twofa-desk app wired to a fake Jira (embedded 2FA platform, loopback, fast sweeps). */
export function jiraAppEnv(o: {
  redisUrl: string;
  prefix: string;
  port: number;
  jiraUrl: string;
  credentials: { email: string; apiToken: string; webhookSecret: string };
  escalationAssignee?: string;
  pollIntervalS: number;
}): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.prefix,
    PORT: String(o.port),
    HOST: '127.0.0.1',
    TICKET_SYSTEM: 'jira',
    TWOFA_PLATFORM: 'local',
    SWEEP_INTERVAL_S: '2',
    EFFECT_BACKOFF_MS: '200',
    JIRA_BASE_URL: o.jiraUrl,
    JIRA_EMAIL: o.credentials.email,
    JIRA_API_TOKEN: o.credentials.apiToken,
    JIRA_WEBHOOK_SECRET: o.credentials.webhookSecret,
    JIRA_SERVICE_DESK_ID: SERVICE_DESK_ID,
    ...(o.escalationAssignee ? { JIRA_ESCALATION_ASSIGNEE: o.escalationAssignee } : {}),
    JIRA_POLL_INTERVAL_S: String(o.pollIntervalS),
  };
}

/** The adapter's config for a fake site, as the tests' adapters use it (`over` replaces fields). */
export function jiraTestConfig(fake: Pick<FakeJira, 'url'>, over: Partial<JiraConfig> = {}): JiraConfig {
  return {
    baseUrl: fake.url,
    credentials: { kind: 'token', email: 'twofa-bot@acme.example', token: 'jira-api-token-0123456789' },
    serviceDeskId: SERVICE_DESK_ID,
    webhookSecret: 'jira-webhook-secret-for-the-tests',
    watchLabel: '2fa_issue',
    statusNames: { pending: 'Waiting for customer', open: 'Waiting for support', solved: 'Resolved' },
    pollIntervalS: 60,
    rateLimitPerMin: 1000,
    timeoutMs: 2000,
    retries: 3,
    ...over,
  };
}

const TERMINAL = new Set(['resolved', 'timed_out', 'escalated', 'handed_off']);
const WAITING = new Set(['awaiting_codes', 'awaiting_response', 'awaiting_retest']);

/**
 * A customer answering the bot on a fake JSM request, as test/support/zendesk-simulated-user.ts does on Zendesk: waits
 * for a new public reply of the bot, looks at what the bot waits for, and comments per its script as the reporter
 * (through the fake, which fires Jira's webhooks and JSM's "customer commented" transition).
 */
export class JiraSimulatedUser {
  private answered = 0;
  private readonly answers: ScriptedAnswers;
  private readonly tk: string;

  constructor(
    private readonly deps: { fake: FakeJira; key: string; scenario: Scenario; token: VirtualToken | undefined; app: Pick<App, 'store' | 'platform'>; sent: Set<string> },
  ) {
    this.tk = ticketKey('jira', deps.key);
    const platform = deps.app.platform as LocalPlatform;
    this.answers = new ScriptedAnswers({ scenario: deps.scenario, token: deps.token, sent: deps.sent, login: (userName, code) => platform.authenticate(userName, code) });
  }

  botPublicReplies(): number {
    const { fake, key } = this.deps;
    return (fake.comments.get(key) ?? []).filter((c) => c.authorId === fake.bot.accountId && c.public && hasMarker(c.body)).length;
  }

  async run(deadline: number): Promise<WorkflowState | undefined> {
    let last: WorkflowState | undefined;
    while (Date.now() < deadline) {
      const replies = this.botPublicReplies();
      const state = (await this.deps.app.store.getState(this.tk)).state;
      last = state;
      if (state && TERMINAL.has(state.status) && (await this.deps.app.store.pendingEffects(this.tk)).length === 0) return state;
      if (state && WAITING.has(state.status) && replies > this.answered) {
        const body = await this.answers.answer(state);
        const issue = this.deps.fake.issues.get(this.deps.key);
        if (body !== undefined && issue) await this.deps.fake.addComment(this.deps.key, { authorId: issue.reporterId, body });
        this.answered = replies;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return last;
  }
}

/**
 * A plain-text description as the v3 API returns a rich-text field: an Atlassian Document Format document, a paragraph
 * of text nodes per line (/cloud/jira/platform/apis/document/structure/); null for none.
 */
function adfDoc(text: string): Record<string, unknown> | null {
  if (!text) return null;
  const paragraph = (line: string) => ({ type: 'paragraph', content: line ? [{ type: 'text', text: line }] : [] });
  return { type: 'doc', version: 1, content: text.split('\n').map(paragraph) };
}
