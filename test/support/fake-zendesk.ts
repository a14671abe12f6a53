import { createHmac, randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { installWriteFaults } from './local-desk.js';
import type { WriteFault } from './ticket-system-contract.js';

/**
 * A fake Zendesk Support account built from the documented shapes (see integrations/ticketing/zendesk/README.md):
 * tickets with `?include=users`, ticket comments with cursor pagination, users, groups, the export search API,
 * `PUT /api/v2/tickets/{id}.json` with one comment, `additional_tags` / `remove_tags`, `group_id`; API-token
 * basic auth or OAuth bearer; 429 with Retry-After; and webhooks signed as Zendesk signs them
 * (base64 HMAC-SHA256 of timestamp + body), as zen:event-type:ticket.* events or as a trigger's JSON body.
 * Real HTTP on 127.0.0.1, state in memory, every request recorded with its arrival and answer times.
 *
 * Account rules: solving needs an assignee unless "Auto-assign tickets upon solve" is on (then the solver is
 * assigned), read at GET /api/v2/account/settings.json; `assignee_id` must name an agent. Optionally Zendesk's webhook
 * retry policy (`webhookRetries`), the description's own comment event (`descriptionCommentEvent`), and requester
 * replies as Gmail, Outlook and a phone's mail app write them (`replyByEmail`).
 */

export type FakeRole = 'end-user' | 'agent' | 'admin';
/** Zendesk's default locale for an account that never changed it. */
const DEFAULT_LOCALE = 'en-US';
export type FakeStatus = 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';

export interface FakeUser {
  id: number;
  name: string;
  email: string | null;
  role: FakeRole;
  external_id: string | null;
  /**
   * the user's locale as the Users API shows it (JSON format, `locale`: "The user's locale. A BCP-47 compliant tag for
   * the locale", read-only, https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format): every user
   * has one, the account's default ("en-US") unless set
   */
  locale: string;
}

export interface FakeTicket {
  id: number;
  subject: string;
  description: string;
  status: FakeStatus;
  tags: string[];
  requester_id: number;
  /** the requester's organization (Tickets API: `organization_id`, https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/) */
  organization_id: number | null;
  group_id: number | null;
  assignee_id: number | null;
  custom_fields: Array<{ id: number; value: unknown }>;
  created_at: string;
  updated_at: string;
}

export interface FakeComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  created_at: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** ms when the request arrived and when it was answered */
  at: number;
  answeredAt: number;
  status: number;
  retryAfterS?: number;
}

export interface Delivery {
  body: string;
  headers: Record<string, string>;
  status?: number;
  /** every try's answer, first to last, when the fake retries as Zendesk does (`webhookRetries`) */
  attempts?: Array<{ status: number; retryAfter?: string }>;
}

/** How a requester's mail program lays out a reply to the bot's notification: the new text, then the history. */
export type MailClient = 'gmail' | 'outlook' | 'mobile';

export interface FakeZendeskOptions {
  /** the API user (the bot): basic auth `{email}/token:{apiToken}` */
  agentEmail?: string;
  apiToken?: string;
  /** accepted as `Authorization: Bearer …` */
  oauthToken?: string;
  webhookSecret?: string;
  /** where webhooks go; none: none are sent */
  webhookUrl?: string;
  /** `events`: zen:event-type:ticket.* (default); `trigger`: the README's trigger body */
  webhookStyle?: 'events' | 'trigger';
  /** requests per window before 429 (none: no limit) */
  rateLimit?: { perWindow: number; windowMs: number };
  /** the account's "Auto-assign tickets upon solve" (default on, as Zendesk ships it); also `fake.settings` */
  autoAssignOnSolve?: boolean;
  /**
   * resend a webhook as Zendesk does: after a 409, and after a 429 or 503 whose Retry-After is under a minute (after
   * that wait); nothing else is resent (default off: every webhook is sent once)
   */
  webhookRetries?: boolean;
  /** a ticket's creation also sends the comment event of its description (default off) */
  descriptionCommentEvent?: boolean;
}

export interface FakeZendesk {
  url: string;
  readonly botId: number;
  users: Map<number, FakeUser>;
  tickets: Map<number, FakeTicket>;
  comments: Map<number, FakeComment[]>;
  groups: Map<number, { id: number; name: string }>;
  requests: RecordedRequest[];
  deliveries: Delivery[];
  /** the account settings the fake enforces (Admin Center > Objects and rules > Tickets > Settings) */
  settings: { assignTicketsUponSolve: boolean };
  /** while > 0, each webhook that would be sent is dropped instead (a lost webhook), counting down */
  dropWebhooks: number;
  /** the next request trips a storm: every request is answered 429 until `retryAfterS` has passed */
  startStorm(retryAfterS: number): void;
  /** answer the next request(s) matching `path` with this status and body instead */
  injectAnswer(rule: { path: string; times: number; status: number; body: unknown }): void;
  /** ticket updates that set one of these statuses are refused with 422 RecordInvalid (a business rule or required field) */
  refuseStatuses: Set<FakeStatus>;
  /** deletes a group as an admin would: reading it says `deleted: true`, assigning it is a 422 RecordInvalid */
  deleteGroup(id: number): void;
  addUser(user: Omit<FakeUser, 'id' | 'external_id' | 'locale'> & { external_id?: string | null; locale?: string }): FakeUser;
  addGroup(name: string): { id: number; name: string };
  /** a ticket as an end user's email would open it: requester created on first sight, description = first comment */
  createTicket(t: { subject: string; description: string; requester: { email: string; name: string; externalId?: string; locale?: string }; tags?: string[]; organizationId?: number }): Promise<FakeTicket>;
  /** a comment as someone writes it in Zendesk (the requester's reply reopens a pending or solved ticket) */
  addComment(ticketId: number, c: { authorId: number; body: string; public?: boolean }): Promise<FakeComment>;
  /** the requester answers the bot's last public reply by mail, laid out as `client` writes it (history quoted) */
  replyByEmail(ticketId: number, c: { client: MailClient; text: string }): Promise<FakeComment>;
  /** an agent (or the requester) changes tags or status in the agent interface */
  changeTicket(ticketId: number, c: { actorId: number; addTags?: string[]; removeTags?: string[]; status?: FakeStatus }): Promise<void>;
  /** makes the bot's next ticket write (PUT/POST under /api/v2/tickets) fail once as `kind` (see installWriteFaults) */
  failNextWrite(kind: WriteFault): void;
  /** true while a fault set by failNextWrite has not met a write yet */
  writeFaultPending(): boolean;
  /** sends a delivery again, byte for byte (a duplicate webhook) */
  redeliver(delivery: Delivery): Promise<number>;
  /** waits until every webhook queued so far has been sent */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const ACCOUNT_ID = 9_000_001;

export async function startFakeZendesk(options: FakeZendeskOptions = {}): Promise<FakeZendesk> {
  const users = new Map<number, FakeUser>();
  const tickets = new Map<number, FakeTicket>();
  const comments = new Map<number, FakeComment[]>();
  const groups = new Map<number, { id: number; name: string }>();
  const deletedGroups = new Map<number, { id: number; name: string }>();
  const requests: RecordedRequest[] = [];
  const deliveries: Delivery[] = [];
  const injected: Array<{ path: string; times: number; status: number; body: unknown }> = [];
  let nextUser = 1000;
  let nextTicket = 1;
  let nextComment = 50_000;
  let nextGroup = 7000;
  let stormArmed: number | undefined;
  let pausedUntil = 0;
  let window = { start: 0, count: 0 };
  let outbox: Promise<void> = Promise.resolve();
  /** resends scheduled by the retry policy, for settle() */
  const resends = new Set<Promise<void>>();
  let closed = false;

  const agentEmail = options.agentEmail ?? 'twofa-bot@acme.example';
  const bot: FakeUser = { id: nextUser++, name: 'twofa-desk bot', email: agentEmail, role: 'admin', external_id: null, locale: DEFAULT_LOCALE };
  users.set(bot.id, bot);

  const now = () => new Date().toISOString();

  function authorised(req: FastifyRequest): boolean {
    const auth = req.headers.authorization ?? '';
    if (options.oauthToken !== undefined && auth === `Bearer ${options.oauthToken}`) return true;
    if (options.apiToken !== undefined && auth.startsWith('Basic ')) {
      return Buffer.from(auth.slice(6), 'base64').toString('utf8') === `${agentEmail}/token:${options.apiToken}`;
    }
    return false;
  }

  function userByEmail(email: string): FakeUser | undefined {
    return [...users.values()].find((u) => u.email?.toLowerCase() === email.toLowerCase());
  }

  function event(type: string, ticket: FakeTicket, actorId: number, ev: Record<string, unknown> | undefined): Record<string, unknown> {
    return {
      type: `zen:event-type:ticket.${type}`,
      account_id: ACCOUNT_ID,
      id: randomUUID(),
      time: now(),
      zendesk_event_version: '2022-11-06',
      subject: `zen:ticket:${ticket.id}`,
      detail: {
        actor_id: String(actorId),
        assignee_id: ticket.assignee_id === null ? null : String(ticket.assignee_id),
        brand_id: '1',
        created_at: ticket.created_at,
        description: ticket.description,
        group_id: ticket.group_id === null ? null : String(ticket.group_id),
        id: String(ticket.id),
        is_public: true,
        organization_id: ticket.organization_id === null ? null : String(ticket.organization_id),
        priority: 'NORMAL',
        requester_id: String(ticket.requester_id),
        status: ticket.status.toUpperCase(),
        subject: ticket.subject,
        submitter_id: String(ticket.requester_id),
        tags: ticket.tags,
        type: 'INCIDENT',
        updated_at: ticket.updated_at,
        via: { channel: 'web_service' },
      },
      ...(ev ? { event: ev } : {}),
    };
  }

  /** Queues one webhook per change, in order; a dropped one is lost for good, as when the endpoint was down. */
  function notify(payload: Record<string, unknown>, ticketId: number): void {
    if (!options.webhookUrl) return;
    if (fake.dropWebhooks > 0) {
      fake.dropWebhooks--;
      return;
    }
    const body = options.webhookStyle === 'trigger' ? JSON.stringify({ twofa_desk: 'trigger', ticket_id: String(ticketId) }) : JSON.stringify(payload);
    // As Zendesk sends it: an ISO 8601 time to the second.
    const timestamp = now().replace(/\.\d{3}Z$/, 'Z');
    const signature = createHmac('sha256', options.webhookSecret ?? '').update(timestamp + body).digest('base64');
    const delivery: Delivery = {
      body,
      headers: {
        'content-type': 'application/json',
        'x-zendesk-webhook-id': '01HWEBHOOK',
        'x-zendesk-webhook-invocation-id': randomUUID(),
        'x-zendesk-webhook-signature': signature,
        'x-zendesk-webhook-signature-timestamp': timestamp,
      },
    };
    deliveries.push(delivery);
    outbox = outbox.then(async () => {
      delivery.status = await post(delivery);
      if (options.webhookRetries) retry(delivery, 1);
    });
  }

  /**
   * Zendesk's webhook retry policy as its reference states it: a 409 is retried, a 429 or 503 only with a Retry-After
   * under a minute (after that wait); any other answer is final. Up to 3 retries here. A resend is the same request.
   */
  function retry(delivery: Delivery, attempt: number): void {
    const status = delivery.status ?? 0;
    const retryAfter = delivery.attempts?.at(-1)?.retryAfter;
    const waitS = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
    const again = status === 409 || ((status === 429 || status === 503) && waitS !== undefined && waitS < 60);
    if (!again || attempt > 3 || closed) return;
    const resend = (async () => {
      await new Promise((r) => setTimeout(r, (status === 409 ? 0 : (waitS ?? 0)) * 1000).unref());
      if (closed) return;
      delivery.status = await post(delivery);
      retry(delivery, attempt + 1);
    })();
    resends.add(resend);
    void resend.finally(() => resends.delete(resend));
  }

  async function post(d: Delivery): Promise<number> {
    try {
      const res = await fetch(options.webhookUrl ?? '', { method: 'POST', headers: d.headers, body: d.body });
      await res.arrayBuffer();
      const retryAfter = res.headers.get('retry-after');
      d.attempts = [...(d.attempts ?? []), { status: res.status, ...(retryAfter !== null ? { retryAfter } : {}) }];
      return res.status;
    } catch {
      d.attempts = [...(d.attempts ?? []), { status: 0 }];
      return 0;
    }
  }

  /** A reply to the bot's last public comment as a mail program writes it: the history (marker included) below. */
  function mailBody(t: FakeTicket, client: MailClient, text: string): string {
    const last = (comments.get(t.id) ?? []).filter((c) => c.author_id === bot.id && c.public).at(-1)?.body ?? '';
    const requester = users.get(t.requester_id);
    const to = `${requester?.name ?? ''} <${requester?.email ?? ''}>`;
    const sent = new Date(Date.parse(t.updated_at));
    switch (client) {
      case 'gmail':
        return `${text}\n\nOn ${sent.toUTCString().replace(/:\d\d GMT$/, '')}, Acme IT Support <support@acme.zendesk.com> wrote:\n\n${last
          .split('\n')
          .map((l) => (l ? `> ${l}` : '>'))
          .join('\n')}\n`;
      case 'outlook':
        return `${text}\n\n________________________________\nFrom: Acme IT Support <support@acme.zendesk.com>\nSent: ${sent.toUTCString()}\nTo: ${to}\nSubject: RE: [Acme] Re: ${t.subject}\n\n${last}\n`;
      case 'mobile':
        return `${text}\n\nSent from my iPhone\n\n> On ${sent.toUTCString()}, Acme IT Support <support@acme.zendesk.com> wrote:\n>\n${last
          .split('\n')
          .map((l) => (l ? `> ${l}` : '>'))
          .join('\n')}\n`;
    }
  }

  function touch(t: FakeTicket): void {
    // Zendesk's updated_at has second precision; ms here keep the poller's "changed since" visible in tests.
    t.updated_at = new Date(Math.max(Date.now(), Date.parse(t.updated_at) + 1)).toISOString();
  }

  function pushComment(t: FakeTicket, authorId: number, body: string, isPublic: boolean): FakeComment {
    const c: FakeComment = { id: nextComment++, type: 'Comment', author_id: authorId, body, html_body: `<p>${body}</p>`, plain_body: body, public: isPublic, created_at: now() };
    comments.get(t.id)?.push(c);
    return c;
  }

  function applyTags(t: FakeTicket, add: string[], remove: string[]): { added: string[]; removed: string[] } {
    const before = new Set(t.tags);
    const after = new Set([...t.tags, ...add.map((x) => x.toLowerCase())]);
    for (const r of remove) after.delete(r.toLowerCase());
    t.tags = [...after];
    return { added: [...after].filter((x) => !before.has(x)), removed: [...before].filter((x) => !after.has(x)) };
  }

  function setStatus(t: FakeTicket, status: FakeStatus, actorId: number): void {
    if (t.status === status) return;
    const previous = t.status;
    t.status = status;
    touch(t);
    notify(event('status_changed', t, actorId, { current: status.toUpperCase(), previous: previous.toUpperCase() }), t.id);
  }

  function addCommentNow(t: FakeTicket, authorId: number, body: string, isPublic: boolean): FakeComment {
    const c = pushComment(t, authorId, body, isPublic);
    touch(t);
    const author = users.get(authorId);
    notify(event('comment_added', t, authorId, { comment: { id: String(c.id), body: c.body, is_public: c.public, author: { id: String(authorId), is_staff: author?.role !== 'end-user', name: author?.name ?? '' } } }), t.id);
    // A public reply by the requester reopens the ticket, as Zendesk does.
    if (authorId === t.requester_id && isPublic && (t.status === 'pending' || t.status === 'solved' || t.status === 'hold')) setStatus(t, 'open', authorId);
    return c;
  }

  const app = Fastify({ logger: false });
  const failNextWrite = installWriteFaults(app, (req) => (req.method === 'PUT' || req.method === 'POST') && req.url.startsWith('/api/v2/tickets'));
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

  const notFound = (reply: FastifyReply) => reply.code(404).send({ error: 'RecordNotFound', description: 'Not found' });

  app.all('/api/v2/*', async (req, reply) => {
    const url = new URL(req.url, 'http://fake');
    const path = url.pathname;
    const q = url.searchParams;
    const t = Date.now();
    if (stormArmed !== undefined) {
      pausedUntil = t + stormArmed * 1000;
      stormArmed = undefined;
    }
    if (t < pausedUntil) return reply.code(429).header('retry-after', String(Math.max(1, Math.ceil((pausedUntil - t) / 1000)))).send({ error: 'APIRateLimitExceeded' });
    if (options.rateLimit) {
      if (t - window.start >= options.rateLimit.windowMs) window = { start: t, count: 0 };
      window.count++;
      if (window.count > options.rateLimit.perWindow) {
        return reply.code(429).header('retry-after', String(Math.max(1, Math.ceil((window.start + options.rateLimit.windowMs - t) / 1000)))).send({ error: 'APIRateLimitExceeded' });
      }
      void reply.header('x-rate-limit', String(options.rateLimit.perWindow)).header('x-rate-limit-remaining', String(Math.max(0, options.rateLimit.perWindow - window.count)));
    }
    if (!authorised(req)) return reply.code(401).send({ error: "Couldn't authenticate you" });
    const rule = injected.find((r) => r.times > 0 && path.includes(r.path));
    if (rule) {
      rule.times--;
      return reply.code(rule.status).send(rule.body);
    }

    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && path === '/api/v2/users/me.json') return { user: bot };
    if (req.method === 'GET' && path === '/api/v2/account/settings.json') {
      return { settings: { tickets: { assign_tickets_upon_solve: fake.settings.assignTicketsUponSolve, comments_public_by_default: true } } };
    }
    if (req.method === 'GET' && (m = path.match(/^\/api\/v2\/users\/(\d+)\.json$/))) {
      const u = users.get(Number(m[1]));
      return u ? { user: u } : notFound(reply);
    }
    if (req.method === 'GET' && (m = path.match(/^\/api\/v2\/groups\/(\d+)\.json$/))) {
      const g = groups.get(Number(m[1]));
      const gone = deletedGroups.get(Number(m[1]));
      if (gone) return { group: { ...gone, default: false, deleted: true } };
      return g ? { group: { ...g, default: false, deleted: false } } : notFound(reply);
    }
    if (req.method === 'GET' && (m = path.match(/^\/api\/v2\/tickets\/(\d+)\.json$/))) {
      const tk = tickets.get(Number(m[1]));
      if (!tk) return notFound(reply);
      const include = (q.get('include') ?? '').split(',');
      return { ticket: tk, ...(include.includes('users') ? { users: [users.get(tk.requester_id)].filter(Boolean) } : {}) };
    }
    if (req.method === 'GET' && (m = path.match(/^\/api\/v2\/tickets\/(\d+)\/comments\.json$/))) {
      const list = comments.get(Number(m[1]));
      if (!list) return notFound(reply);
      const size = Math.min(100, Number(q.get('page[size]') ?? 100));
      const start = q.get('page[after]') ? Number(Buffer.from(q.get('page[after]') ?? '', 'base64url').toString('utf8')) : 0;
      const page = list.slice(start, start + size);
      const more = start + size < list.length;
      const after = more ? Buffer.from(String(start + size), 'utf8').toString('base64url') : null;
      const include = (q.get('include') ?? '').split(',');
      const authors = [...new Set(page.map((c) => c.author_id))].map((id) => users.get(id)).filter(Boolean);
      return {
        comments: page,
        ...(include.includes('users') ? { users: authors } : {}),
        meta: { has_more: more, after_cursor: after, before_cursor: null },
        links: { next: more ? `${fake.url}${path}?page[size]=${size}&page[after]=${after}` : null, prev: null },
      };
    }
    if (req.method === 'GET' && path === '/api/v2/search/export.json') {
      if (q.get('filter[type]') !== 'ticket') return reply.code(400).send({ error: { title: 'Invalid filter', message: 'filter[type] is required' } });
      const query = q.get('query') ?? '';
      // The export endpoint takes the type only from filter[type]; "type:" in the query is an error.
      if (/(^|\s)type:/.test(query)) return reply.code(400).send({ error: { title: 'Invalid search', message: 'type is not allowed in the query of an export' } });
      const tag = query.match(/tags:(\S+)/)?.[1];
      const unsolved = query.includes('status<solved');
      const all = [...tickets.values()].filter((tk) => (!tag || tk.tags.includes(tag)) && (!unsolved || ['new', 'open', 'pending', 'hold'].includes(tk.status)));
      const size = Math.min(1000, Number(q.get('page[size]') ?? 100));
      const start = q.get('page[after]') ? Number(Buffer.from(q.get('page[after]') ?? '', 'base64url').toString('utf8')) : 0;
      const more = start + size < all.length;
      const after = more ? Buffer.from(String(start + size), 'utf8').toString('base64url') : null;
      return {
        results: all.slice(start, start + size).map((tk) => ({ ...tk, result_type: 'ticket' })),
        meta: { has_more: more, after_cursor: after, before_cursor: null },
        links: { next: null, prev: null },
      };
    }
    if (req.method === 'PUT' && (m = path.match(/^\/api\/v2\/tickets\/(\d+)\.json$/))) {
      const tk = tickets.get(Number(m[1]));
      if (!tk) return notFound(reply);
      const body = (req.body as { ticket?: Record<string, unknown> } | undefined)?.ticket;
      if (!body || typeof body !== 'object') return reply.code(400).send({ error: 'InvalidEndpoint', description: 'ticket is required' });
      if ('tags' in body) return reply.code(400).send({ error: 'fake', description: 'the bot must not replace the whole tag set' });
      const comment = body.comment as { body?: unknown; public?: unknown } | undefined;
      if (comment !== undefined && (typeof comment.body !== 'string' || typeof comment.public !== 'boolean')) {
        return reply.code(422).send({ error: 'RecordInvalid', description: 'comment needs body and an explicit public' });
      }
      const status = body.status as FakeStatus | undefined;
      if (status !== undefined && !['new', 'open', 'pending', 'hold', 'solved', 'closed'].includes(status)) return reply.code(422).send({ error: 'RecordInvalid', description: 'Status: is invalid' });
      const groupId = body.group_id as number | undefined;
      if (groupId !== undefined && !groups.has(groupId)) return reply.code(422).send({ error: 'RecordInvalid', description: 'Group: is invalid' });
      if (status !== undefined && fake.refuseStatuses.has(status)) {
        return reply.code(422).send({ error: 'RecordInvalid', description: 'Record validation errors', details: { status: [{ description: `Status: ${status} is not allowed by a business rule` }] } });
      }
      const assigneeId = body.assignee_id as number | undefined;
      if (assigneeId !== undefined && !['agent', 'admin'].includes(users.get(assigneeId)?.role ?? '')) {
        return reply.code(422).send({ error: 'RecordInvalid', description: 'Record validation errors', details: { assignee: [{ description: 'Assignee: is invalid' }] } });
      }
      // Zendesk's rule: solved needs an assignee, unless the account assigns the solver.
      if (status === 'solved' && tk.status !== 'solved' && assigneeId === undefined && tk.assignee_id === null && !fake.settings.assignTicketsUponSolve) {
        return reply.code(422).send({ error: 'RecordInvalid', description: 'Record validation errors', details: { assignee: [{ description: 'Assignee: is required when a ticket is solved' }] } });
      }
      if (comment) addCommentNow(tk, bot.id, comment.body as string, comment.public as boolean);
      const { added, removed } = applyTags(tk, (body.additional_tags as string[] | undefined) ?? [], (body.remove_tags as string[] | undefined) ?? []);
      if (added.length > 0 || removed.length > 0) {
        touch(tk);
        notify(event('tags_changed', tk, bot.id, { tags_added: added, tags_removed: removed }), tk.id);
      }
      if (groupId !== undefined) tk.group_id = groupId;
      if (assigneeId !== undefined) tk.assignee_id = assigneeId;
      else if (status === 'solved' && tk.assignee_id === null) tk.assignee_id = bot.id;
      if (status !== undefined) setStatus(tk, status, bot.id);
      touch(tk);
      return { ticket: tk, audit: { id: nextComment++, ticket_id: tk.id, created_at: now(), author_id: bot.id, events: [] } };
    }
    return reply.code(404).send({ error: 'InvalidEndpoint', description: `no route ${req.method} ${path}` });
  });

  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  const fake: FakeZendesk = {
    url: address,
    botId: bot.id,
    users,
    tickets,
    comments,
    groups,
    requests,
    deliveries,
    settings: { assignTicketsUponSolve: options.autoAssignOnSolve ?? true },
    dropWebhooks: 0,
    startStorm(retryAfterS) {
      stormArmed = retryAfterS;
    },
    injectAnswer(rule) {
      injected.push({ ...rule });
    },
    failNextWrite,
    writeFaultPending: () => failNextWrite.pending(),
    refuseStatuses: new Set(),
    deleteGroup(id) {
      const g = groups.get(id);
      if (!g) throw new Error(`no group ${id}`);
      groups.delete(id);
      deletedGroups.set(id, g);
    },
    addUser(u) {
      const user: FakeUser = { id: nextUser++, name: u.name, email: u.email, role: u.role, external_id: u.external_id ?? null, locale: u.locale ?? DEFAULT_LOCALE };
      users.set(user.id, user);
      return user;
    },
    addGroup(name) {
      const g = { id: nextGroup++, name };
      groups.set(g.id, g);
      return g;
    },
    async createTicket(t) {
      const requester = userByEmail(t.requester.email) ?? fake.addUser({ name: t.requester.name, email: t.requester.email, role: 'end-user', external_id: t.requester.externalId ?? null, ...(t.requester.locale ? { locale: t.requester.locale } : {}) });
      const at = now();
      const ticket: FakeTicket = {
        id: nextTicket++,
        subject: t.subject,
        description: t.description,
        status: 'new',
        tags: (t.tags ?? []).map((x) => x.toLowerCase()),
        requester_id: requester.id,
        organization_id: t.organizationId ?? null,
        group_id: null,
        assignee_id: null,
        custom_fields: [{ id: 360001, value: null }],
        created_at: at,
        updated_at: at,
      };
      tickets.set(ticket.id, ticket);
      comments.set(ticket.id, []);
      const description = pushComment(ticket, requester.id, t.description, true);
      notify(event('created', ticket, requester.id, { meta: { sequence: { id: randomUUID(), position: 1 } } }), ticket.id);
      if (options.descriptionCommentEvent) {
        const comment = { id: String(description.id), body: description.body, is_public: true, author: { id: String(requester.id), is_staff: false, name: requester.name } };
        notify(event('comment_added', ticket, requester.id, { comment }), ticket.id);
      }
      return ticket;
    },
    async addComment(ticketId, c) {
      const tk = tickets.get(ticketId);
      if (!tk) throw new Error(`no ticket ${ticketId}`);
      const author = users.get(c.authorId);
      // End users always write public comments.
      return addCommentNow(tk, c.authorId, c.body, author?.role === 'end-user' ? true : (c.public ?? true));
    },
    async replyByEmail(ticketId, c) {
      const tk = tickets.get(ticketId);
      if (!tk) throw new Error(`no ticket ${ticketId}`);
      return addCommentNow(tk, tk.requester_id, mailBody(tk, c.client, c.text), true);
    },
    async changeTicket(ticketId, c) {
      const tk = tickets.get(ticketId);
      if (!tk) throw new Error(`no ticket ${ticketId}`);
      const { added, removed } = applyTags(tk, c.addTags ?? [], c.removeTags ?? []);
      if (added.length > 0 || removed.length > 0) {
        touch(tk);
        notify(event('tags_changed', tk, c.actorId, { tags_added: added, tags_removed: removed }), tk.id);
      }
      if (c.status === 'solved' && tk.assignee_id === null) {
        if (!fake.settings.assignTicketsUponSolve) throw new Error('Zendesk refuses to solve a ticket without an assignee');
        tk.assignee_id = c.actorId;
      }
      if (c.status !== undefined) setStatus(tk, c.status, c.actorId);
    },
    redeliver: post,
    settle: async () => {
      await outbox;
      while (resends.size > 0) await Promise.all([...resends]);
    },
    async close() {
      await outbox;
      closed = true;
      await app.close();
    },
  };
  return fake;
}

/** Signs a body as Zendesk does, for tests that hand-craft webhooks. */
export function signAsZendesk(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(timestamp + body).digest('base64');
}

/** The environment of a twofa-desk app wired to a fake Zendesk (embedded 2FA platform, loopback, fast sweeps). */
export function zendeskAppEnv(o: {
  redisUrl: string;
  prefix: string;
  port: number;
  zendeskUrl: string;
  credentials: { email: string; apiToken: string; webhookSecret: string };
  escalationGroupId: number;
  pollIntervalS: number;
}): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.prefix,
    PORT: String(o.port),
    HOST: '127.0.0.1',
    TICKET_SYSTEM: 'zendesk',
    TWOFA_PLATFORM: 'local',
    SWEEP_INTERVAL_S: '2',
    EFFECT_BACKOFF_MS: '200',
    ZENDESK_BASE_URL: o.zendeskUrl,
    ZENDESK_EMAIL: o.credentials.email,
    ZENDESK_API_TOKEN: o.credentials.apiToken,
    ZENDESK_WEBHOOK_SECRET: o.credentials.webhookSecret,
    ZENDESK_ESCALATION_GROUP_ID: String(o.escalationGroupId),
    ZENDESK_POLL_INTERVAL_S: String(o.pollIntervalS),
  };
}
