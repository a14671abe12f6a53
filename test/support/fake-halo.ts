import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { App } from '../../workers/app.js';
import { ticketKey } from '../../workers/store/keys.js';
import type { Scenario } from '../demo/scenarios.js';
import { ScriptedAnswers } from '../demo/scripted-answers.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import type { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import type { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { hasMarker } from '../../integrations/ticketing/comment-marker.js';
import { installWriteFaults } from './local-desk.js';
import type { WriteFault } from './ticket-system-contract.js';

/**
 * A fake HaloPSA tenant, each shape with its source. Halo's own reference is the OpenAPI document a tenant serves at
 * <tenant>/api/swagger ("Halo swagger"; read from the copy at https://github.com/redanthrax/halopsa-node/blob/main/swagger.json)
 * and the vendor's guides; a shape marked NOT Halo's comes from a transcription or public client code (the adapter's
 * README, "Shapes and their sources", says which is which):
 *
 * - Authorisation (client credentials): `POST {auth}/token?tenant=` with grant_type=client_credentials, client_id,
 *   client_secret, scope form-encoded; answers {access_token, token_type, expires_in}. The authorisation server and the
 *   "Client ID and Secret (Services)" method: Halo's guide https://halocrm.io/guides/article?kbid=1823. The fields are
 *   NOT Halo's: https://github.com/homotechsual/HaloAPI/blob/main/Public/Connect-HaloAPI.ps1.
 * - Tickets, NOT Halo's ("Faults" as transcribed at https://kb.dtctoday.com/books/halopsa-api-reference/page/ticket-endpoints):
 *   `GET /api/Tickets/{id}`; `GET /api/Tickets` with pageinate, page_size, page_no, open_only, requesttype_id,
 *   datesearch, startdate → {record_count, tickets}; `POST /api/Tickets` with an array of records (an id updates that
 *   ticket). Field names id, summary, details, tickettype_id, category_1, status_id, client_id, client_name, user_id,
 *   user_name, team, agent_id, lastactiondate.
 * - Actions (Halo swagger: `GET /Actions` → `Actions_View` {record_count, actions: `Actions_List`}; `POST /Actions`
 *   with an array of `Actions`, answering 201 with one): `GET /api/Actions?ticket_id=` (newest first here: the adapter
 *   must order them); `POST /api/Actions` (ticket_id, note, hiddenfromuser, sendemail). Action fields id, ticket_id,
 *   note, hiddenfromuser, who_type, who_agentid (the agent who wrote it), actionby_user_id (the user who wrote it),
 *   outcome, datetime.
 * - Users (`GET /api/Users/{id}`: name, emailaddress, client_id, client_name), Team (`GET /api/Team`) and
 *   `GET /api/Agent/me`: NOT Halo's (https://github.com/Tim-ImpendingTech/HaloPSA-MCP-Server, src/client/types.ts and
 *   src/tools/tickets.ts). Status (`GET /api/Status`): the path is the Halo swagger's (`TStatus`), its fields id, name
 *   are NOT Halo's (the transcription's ticket-configuration-endpoints page).
 * - Webhooks (Halo's guide "Webhook Integration": https://haloitsm.com/guides/article/?kbid=838): a JSON POST per event,
 *   Basic authentication with the configured user name and password; each payload carries id, notification_id,
 *   escmsg_id, event, webhook_id, object_id and timestamp, the "small object" payload the ticket under `ticket` (key
 *   spelling as a public test records a live payload).
 * - 429 when the rate limit is exceeded (Halo swagger: `429 Too Many Requests` among the answers of `/Actions` and
 *   `/Actions/{id}`), with a Retry-After header that is assumed: Halo's reference names no header.
 *
 * The fake's own choices, not from the reference (see the adapter's README): status ids differ from Halo's defaults
 * (an adapter that hard-coded 9 for Closed fails here); an end user's action on a ticket "With User" takes it back to
 * "In Progress" (Halo's "status after end-user update", configurable per tenant); a new ticket has no first action.
 */

export interface FakeHaloUser {
  id: number;
  name: string;
  emailaddress: string;
  client_id: number;
  client_name: string;
}

export interface FakeHaloTicket {
  id: number;
  summary: string;
  details: string;
  tickettype_id: number;
  category_1: string;
  status_id: number;
  client_id: number;
  client_name: string;
  user_id: number;
  user_name: string;
  team: string;
  agent_id: number;
  dateoccurred: string;
  lastactiondate: string;
  last_update: string;
}

export interface FakeHaloAction {
  id: number;
  ticket_id: number;
  note: string;
  hiddenfromuser: boolean;
  actionby_user_id: number;
  who_type: number;
  who_agentid: number;
  outcome: string;
  datetime: string;
  sendemail: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  at: number;
  status: number;
}

export interface Delivery {
  body: string;
  headers: Record<string, string>;
  status?: number;
}

export interface FakeHaloOptions {
  clientId?: string;
  clientSecret?: string;
  /** hosted Halo: the token request must name this tenant */
  tenant?: string;
  /** seconds a token lives (default 3600) */
  tokenLifetimeS?: number;
  /** the webhook's Basic authentication and where it posts; none: no webhooks */
  webhook?: { url: string; user: string; password: string };
  /** the webhook's condition: only tickets of this type (default: every ticket) */
  webhookTicketTypeId?: number;
  /** requests per window before 429 (none: no limit) */
  rateLimit?: { perWindow: number; windowMs: number };
}

export interface FakeHalo {
  url: string;
  authUrl: string;
  readonly bot: { id: number; name: string };
  users: Map<number, FakeHaloUser>;
  tickets: Map<number, FakeHaloTicket>;
  actions: FakeHaloAction[];
  statuses: Array<{ id: number; name: string }>;
  teams: Array<{ id: number; name: string }>;
  requests: RecordedRequest[];
  deliveries: Delivery[];
  tokensIssued: number;
  /** while > 0, each webhook that would be sent is dropped instead (a lost delivery), counting down */
  dropWebhooks: number;
  startStorm(retryAfterS: number): void;
  injectAnswer(rule: { path: string; times: number; status: number; body: unknown }): void;
  failNextWrite(kind: WriteFault): void;
  writeFaultPending(): boolean;
  revokeTokens(): void;
  statusId(name: string): number;
  statusName(id: number): string | undefined;
  addAgent(name: string): { id: number; name: string };
  /** a ticket as the end user logs it (portal, e-mail): the user (created on first sight) and their company */
  createTicket(t: { user: { name: string; email: string }; company?: string; summary: string; details?: string; tickettype_id: number; category_1?: string }): FakeHaloTicket;
  /** an action as someone writes it in Halo: the ticket's end user or another user (a cc; public), or an agent (public or hidden) */
  addAction(ticketId: number, a: { by: 'user' | { userId: number } | { agentId: number; name: string }; note: string; hidden?: boolean }): FakeHaloAction;
  /** an agent changes fields on the ticket */
  changeTicket(ticketId: number, c: { status_id?: number; tickettype_id?: number; agent?: { agentId: number; name: string } }): void;
  actionsOf(ticketId: number): FakeHaloAction[];
  redeliver(d: Delivery): Promise<number>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

const STATUSES = [
  { id: 101, name: 'New' },
  { id: 102, name: 'In Progress' },
  { id: 103, name: 'Action Required' },
  { id: 104, name: 'With User' },
  { id: 105, name: 'On Hold' },
  { id: 108, name: 'Resolved' },
  { id: 109, name: 'Closed' },
  { id: 110, name: 'Cancelled' },
];
const CLOSED = new Set([109, 110]);

export async function startFakeHalo(options: FakeHaloOptions = {}): Promise<FakeHalo> {
  const users = new Map<number, FakeHaloUser>();
  const tickets = new Map<number, FakeHaloTicket>();
  const actions: FakeHaloAction[] = [];
  const requests: RecordedRequest[] = [];
  const deliveries: Delivery[] = [];
  const injected: Array<{ path: string; times: number; status: number; body: unknown }> = [];
  const tokens = new Map<string, number>();
  const clients = new Map<string, number>();
  const agents = new Map<number, { id: number; name: string }>();
  let nextTicket = 4201;
  let nextAction = 90_001;
  let nextUser = 501;
  let nextClient = 11;
  let nextAgent = 7;
  let lastStamp = 0;
  let stormArmed: number | undefined;
  let pausedUntil = 0;
  let window = { start: 0, count: 0 };
  let outbox: Promise<void> = Promise.resolve();

  const bot = { id: 3, name: 'twofa-desk API' };
  agents.set(bot.id, bot);
  const teams = [
    { id: 1, name: '1st Line Support' },
    { id: 2, name: 'Service Desk L2' },
  ];

  /** Halo's server clock, strictly increasing (two changes in one millisecond still differ) */
  const stamp = () => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  };

  const unauthorized = (reply: FastifyReply) => reply.code(401).send({ error: 'invalid_token', error_description: 'The access token is invalid or has expired' });

  function authenticated(req: FastifyRequest): boolean {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return false;
    const until = tokens.get(auth.slice(7));
    return until !== undefined && Date.now() < until;
  }

  function smallTicket(t: FakeHaloTicket): Record<string, unknown> {
    return { id: t.id, summary: t.summary, status_id: t.status_id, tickettype_id: t.tickettype_id, client_id: t.client_id, team: t.team, agent_id: t.agent_id };
  }

  /** A configured webhook: one delivery per event, with Basic authentication (Halo signs nothing). */
  function webhook(t: FakeHaloTicket, event: string, agentId: number): void {
    const hook = options.webhook;
    if (!hook) return;
    if (options.webhookTicketTypeId !== undefined && t.tickettype_id !== options.webhookTicketTypeId) return;
    if (fake.dropWebhooks > 0) {
      fake.dropWebhooks--;
      return;
    }
    const body = JSON.stringify({
      id: randomUUID(),
      webhook_id: '53232637-7724-4a19-b126-3c7267a292aa',
      notification_id: 41,
      escmsg_id: randomUUID(),
      event,
      message: `${event} for Ticket ID: ${String(t.id).padStart(7, '0')}.`,
      object_id: t.id,
      agent_id: agentId,
      timestamp: new Date().toISOString(),
      ticket: smallTicket(t),
    });
    const delivery: Delivery = { body, headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${hook.user}:${hook.password}`).toString('base64')}` } };
    deliveries.push(delivery);
    outbox = outbox.then(async () => {
      delivery.status = await post(delivery);
    });
  }

  async function post(d: Delivery): Promise<number> {
    try {
      const res = await fetch(options.webhook?.url ?? '', { method: 'POST', headers: d.headers, body: d.body });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  function pushAction(t: FakeHaloTicket, a: Omit<FakeHaloAction, 'id' | 'ticket_id' | 'datetime'>): FakeHaloAction {
    const at = stamp();
    const action: FakeHaloAction = { id: nextAction++, ticket_id: t.id, datetime: at, ...a };
    actions.push(action);
    t.lastactiondate = at;
    t.last_update = at;
    return action;
  }

  function userOf(name: string, email: string, company: string): FakeHaloUser {
    const known = [...users.values()].find((u) => u.emailaddress.toLowerCase() === email.toLowerCase());
    if (known) return known;
    let clientId = clients.get(company);
    if (clientId === undefined) {
      clientId = nextClient++;
      clients.set(company, clientId);
    }
    const u: FakeHaloUser = { id: nextUser++, name, emailaddress: email, client_id: clientId, client_name: company };
    users.set(u.id, u);
    return u;
  }

  const app = Fastify({ logger: false });
  const failNextWrite = installWriteFaults(app, (req) => req.method === 'POST' && (req.url.startsWith('/api/Actions') || req.url.startsWith('/api/Tickets')));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));
  app.addHook('onSend', async (req, reply, payload) => {
    const url = new URL(req.url, 'http://fake');
    requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), body: req.body, at: Date.now(), status: reply.statusCode });
    return payload;
  });

  /** Rate limit and injected answers, before anything else (the token endpoint counts too). */
  function gate(path: string, reply: FastifyReply): FastifyReply | undefined {
    const t = Date.now();
    if (stormArmed !== undefined) {
      pausedUntil = t + stormArmed * 1000;
      stormArmed = undefined;
    }
    if (t < pausedUntil) return reply.code(429).header('retry-after', String(Math.max(1, Math.ceil((pausedUntil - t) / 1000)))).send({ error: 'Too Many Requests' });
    if (options.rateLimit) {
      if (t - window.start >= options.rateLimit.windowMs) window = { start: t, count: 0 };
      window.count++;
      if (window.count > options.rateLimit.perWindow) {
        return reply.code(429).header('retry-after', String(Math.max(1, Math.ceil((window.start + options.rateLimit.windowMs - t) / 1000)))).send({ error: 'Too Many Requests' });
      }
    }
    const rule = injected.find((r) => r.times > 0 && path.includes(r.path));
    if (rule) {
      rule.times--;
      return reply.code(rule.status).send(rule.body);
    }
    return undefined;
  }

  app.post('/auth/token', async (req, reply) => {
    const gated = gate('/auth/token', reply);
    if (gated) return gated;
    const form = (req.body ?? {}) as Record<string, string>;
    const tenant = (req.query as Record<string, string>).tenant;
    if (form.grant_type !== 'client_credentials' || form.client_id !== options.clientId || form.client_secret !== options.clientSecret || (options.tenant !== undefined && tenant !== options.tenant)) {
      return reply.code(401).send({ error: 'invalid_client' });
    }
    if (!form.scope) return reply.code(400).send({ error: 'invalid_scope' });
    const token = randomBytes(24).toString('base64url');
    const lifetime = options.tokenLifetimeS ?? 3600;
    tokens.set(token, Date.now() + lifetime * 1000);
    fake.tokensIssued++;
    return { token_type: 'Bearer', access_token: token, expires_in: lifetime };
  });

  app.addHook('preHandler', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return;
    const gated = gate(new URL(req.url, 'http://fake').pathname, reply);
    if (gated) return gated;
    if (!authenticated(req)) return unauthorized(reply);
  });

  app.get('/api/Agent/me', async () => bot);
  app.get('/api/Status', async () => STATUSES);
  app.get('/api/Team', async () => teams);

  app.get('/api/Users/:id', async (req, reply) => {
    const u = users.get(Number((req.params as { id: string }).id));
    return u ?? reply.code(404).send({ error: 'Not Found' });
  });

  app.get('/api/Tickets/:id', async (req, reply) => {
    const t = tickets.get(Number((req.params as { id: string }).id));
    return t ?? reply.code(404).send({ error: 'Not Found' });
  });

  app.get('/api/Tickets', async (req) => {
    const q = req.query as Record<string, string>;
    let list = [...tickets.values()];
    if (q.open_only === 'true') list = list.filter((t) => !CLOSED.has(t.status_id));
    if (q.requesttype_id) list = list.filter((t) => t.tickettype_id === Number(q.requesttype_id));
    if (q.datesearch === 'lastactiondate' && q.startdate) list = list.filter((t) => Date.parse(t.lastactiondate) >= Date.parse(q.startdate ?? ''));
    const size = q.pageinate === 'true' ? Number(q.page_size ?? 50) : list.length;
    const page = q.pageinate === 'true' ? Number(q.page_no ?? 1) : 1;
    const rows = list.slice((page - 1) * size, page * size).map((t) => ({ id: t.id, summary: t.summary, status_id: t.status_id, tickettype_id: t.tickettype_id, category_1: t.category_1, client_id: t.client_id, client_name: t.client_name, lastactiondate: t.lastactiondate, last_update: t.last_update, dateoccurred: t.dateoccurred }));
    return { page_no: page, page_size: size, record_count: list.length, tickets: rows };
  });

  app.post('/api/Tickets', async (req, reply) => {
    const body = req.body as Array<Record<string, unknown>>;
    if (!Array.isArray(body) || body.length !== 1) return reply.code(400).send({ error: 'an array of one ticket' });
    const rec = body[0] ?? {};
    const t = tickets.get(Number(rec.id));
    // Halo would log a new ticket for an unknown id: the adapter must never send one, the fake refuses it
    if (!t) return reply.code(404).send({ error: 'Not Found' });
    if (rec.status_id !== undefined) {
      if (!STATUSES.some((s) => s.id === rec.status_id)) return reply.code(400).send({ error: `status ${String(rec.status_id)} does not exist` });
      t.status_id = Number(rec.status_id);
    }
    if (rec.team !== undefined) {
      if (!teams.some((x) => x.name === rec.team)) return reply.code(400).send({ error: `team ${String(rec.team)} does not exist` });
      t.team = String(rec.team);
    }
    if (rec.agent_id !== undefined) t.agent_id = Number(rec.agent_id);
    t.last_update = stamp();
    webhook(t, 'Ticket Updated', bot.id);
    return t;
  });

  app.get('/api/Actions', async (req, reply) => {
    const q = req.query as Record<string, string>;
    const t = tickets.get(Number(q.ticket_id));
    if (!t) return { record_count: 0, actions: [] };
    const list = actions.filter((a) => a.ticket_id === t.id).reverse();
    const size = q.pageinate === 'true' ? Number(q.page_size ?? 50) : list.length;
    const page = q.pageinate === 'true' ? Number(q.page_no ?? 1) : 1;
    if (size <= 0) return reply.code(400).send({ error: 'page_size' });
    return { record_count: list.length, actions: list.slice((page - 1) * size, page * size) };
  });

  app.post('/api/Actions', async (req, reply) => {
    const body = req.body as Array<Record<string, unknown>>;
    if (!Array.isArray(body) || body.length !== 1) return reply.code(400).send({ error: 'an array of one action' });
    const rec = body[0] ?? {};
    const t = tickets.get(Number(rec.ticket_id));
    if (!t) return reply.code(404).send({ error: 'Not Found' });
    if (typeof rec.note !== 'string') return reply.code(400).send({ error: 'note' });
    const a = pushAction(t, { note: rec.note, hiddenfromuser: rec.hiddenfromuser === true, actionby_user_id: 0, who_type: 1, who_agentid: bot.id, outcome: rec.hiddenfromuser === true ? 'Private Note' : 'Email User', sendemail: rec.sendemail === true });
    webhook(t, 'Action Added', bot.id);
    return a;
  });

  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  const fake: FakeHalo = {
    url: address,
    authUrl: `${address}/auth`,
    bot,
    users,
    tickets,
    actions,
    statuses: STATUSES,
    teams,
    requests,
    deliveries,
    tokensIssued: 0,
    dropWebhooks: 0,
    startStorm(retryAfterS) {
      stormArmed = retryAfterS;
    },
    injectAnswer(rule) {
      injected.push({ ...rule });
    },
    failNextWrite,
    writeFaultPending: () => failNextWrite.pending(),
    revokeTokens() {
      tokens.clear();
    },
    statusId(name) {
      const s = STATUSES.find((x) => x.name === name);
      if (!s) throw new Error(`fake: no status ${name}`);
      return s.id;
    },
    statusName: (id) => STATUSES.find((s) => s.id === id)?.name,
    addAgent(name) {
      const a = { id: nextAgent++, name };
      agents.set(a.id, a);
      return a;
    },
    createTicket(c) {
      const u = userOf(c.user.name, c.user.email, c.company ?? 'Contoso Ltd');
      const at = stamp();
      const t: FakeHaloTicket = {
        id: nextTicket++,
        summary: c.summary,
        details: c.details ?? c.summary,
        tickettype_id: c.tickettype_id,
        category_1: c.category_1 ?? '',
        status_id: fake.statusId('New'),
        client_id: u.client_id,
        client_name: u.client_name,
        user_id: u.id,
        user_name: u.name,
        team: '1st Line Support',
        agent_id: 0,
        dateoccurred: at,
        lastactiondate: at,
        last_update: at,
      };
      tickets.set(t.id, t);
      webhook(t, 'New Ticket Logged', 0);
      return t;
    },
    addAction(ticketId, a) {
      const t = tickets.get(ticketId);
      if (!t) throw new Error(`no ticket ${ticketId}`);
      const agentId = typeof a.by === 'object' && 'agentId' in a.by ? a.by.agentId : undefined;
      const userId = a.by === 'user' ? t.user_id : typeof a.by === 'object' && 'userId' in a.by ? a.by.userId : 0;
      const action = agentId === undefined
        ? pushAction(t, { note: a.note, hiddenfromuser: false, actionby_user_id: userId, who_type: 2, who_agentid: 0, outcome: 'End-User Update', sendemail: false })
        : pushAction(t, { note: a.note, hiddenfromuser: a.hidden === true, actionby_user_id: 0, who_type: 1, who_agentid: agentId, outcome: a.hidden ? 'Private Note' : 'Email User', sendemail: !a.hidden });
      if (agentId === undefined && t.status_id === fake.statusId('With User')) t.status_id = fake.statusId('In Progress');
      webhook(t, agentId === undefined ? 'Updated by End-User' : 'Action Added', agentId ?? 0);
      return action;
    },
    changeTicket(ticketId, c) {
      const t = tickets.get(ticketId);
      if (!t) throw new Error(`no ticket ${ticketId}`);
      if (c.status_id !== undefined) t.status_id = c.status_id;
      if (c.tickettype_id !== undefined) t.tickettype_id = c.tickettype_id;
      // Halo records a change made in the UI as an action by the agent (its note may be empty)
      if (c.agent) pushAction(t, { note: '', hiddenfromuser: true, actionby_user_id: 0, who_type: 1, who_agentid: c.agent.agentId, outcome: 'Status Change', sendemail: false });
      t.last_update = stamp();
      webhook(t, 'Ticket Updated', c.agent?.agentId ?? 0);
    },
    actionsOf: (id) => actions.filter((a) => a.ticket_id === id),
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

/** The environment of a twofa-desk app wired to a fake Halo (embedded 2FA platform, loopback, fast sweeps). */
export function haloAppEnv(o: { redisUrl: string; prefix: string; port: number; fake: FakeHalo; clientId: string; clientSecret: string; webhookSecret: string; ticketTypeId: number; pollIntervalS: number; escalationTeam?: string }): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.prefix,
    PORT: String(o.port),
    HOST: '127.0.0.1',
    TICKET_SYSTEM: 'halo',
    TWOFA_PLATFORM: 'local',
    SWEEP_INTERVAL_S: '2',
    EFFECT_BACKOFF_MS: '200',
    HALO_BASE_URL: o.fake.url,
    HALO_AUTH_URL: o.fake.authUrl,
    HALO_CLIENT_ID: o.clientId,
    HALO_CLIENT_SECRET: o.clientSecret,
    HALO_WEBHOOK_SECRET: o.webhookSecret,
    HALO_WATCH_TICKET_TYPE_ID: String(o.ticketTypeId),
    HALO_ESCALATION_TEAM: o.escalationTeam ?? 'Service Desk L2',
    HALO_POLL_INTERVAL_S: String(o.pollIntervalS),
    // every webhook is read back (the ticket and its actions): a demo's parallel tickets need more than the default
    HALO_RATE_LIMIT_PER_MIN: '1000',
  };
}

const TERMINAL = new Set(['resolved', 'timed_out', 'escalated', 'handed_off']);
const WAITING = new Set(['awaiting_codes', 'awaiting_response', 'awaiting_retest']);

/**
 * An end user answering the bot on a fake Halo ticket, as ServiceNowSimulatedUser does on a fake ServiceNow: waits
 * for a new visible action of the bot, looks at what the bot waits for, and replies per its script as the ticket's
 * end user (through the fake, which sends the webhook).
 */
export class HaloSimulatedUser {
  private answered = 0;
  private agentAnswered = false;
  private readonly answers: ScriptedAnswers;
  private readonly tk: string;

  constructor(private readonly deps: { fake: FakeHalo; ticketId: number; scenario: Scenario; token: VirtualToken | undefined; app: Pick<App, 'store' | 'platform'>; sent: Set<string> }) {
    this.tk = ticketKey('halo', String(deps.ticketId));
    const platform = deps.app.platform as LocalPlatform;
    this.answers = new ScriptedAnswers({ scenario: deps.scenario, token: deps.token, sent: deps.sent, login: (userName, code) => platform.authenticate(userName, code) });
  }

  botPublicReplies(): number {
    const { fake, ticketId } = this.deps;
    return fake.actionsOf(ticketId).filter((a) => a.who_agentid === fake.bot.id && !a.hiddenfromuser && hasMarker(a.note)).length;
  }

  async run(deadline: number): Promise<WorkflowState | undefined> {
    let last: WorkflowState | undefined;
    let desk: { id: number; name: string } | undefined;
    while (Date.now() < deadline) {
      const replies = this.botPublicReplies();
      const state = (await this.deps.app.store.getState(this.tk)).state;
      last = state;
      if (state && TERMINAL.has(state.status) && (await this.deps.app.store.pendingEffects(this.tk)).length === 0) return state;
      // an agent of the service desk answers an identity approval with a hidden note, as the bot's note asks
      const agent = this.deps.scenario.script.agent;
      if (state?.status === 'awaiting_approval' && agent && !this.agentAnswered) {
        const a = (desk ??= this.deps.fake.addAgent('Service Desk'));
        this.deps.fake.addAction(this.deps.ticketId, { by: { agentId: a.id, name: a.name }, hidden: true, note: agent === 'approve' ? '#approve called the user back on the number in HR records' : '#reject not the account owner' });
        this.agentAnswered = true;
      }
      if (state && WAITING.has(state.status) && replies > this.answered) {
        const body = await this.answers.answer(state);
        if (body !== undefined) this.deps.fake.addAction(this.deps.ticketId, { by: 'user', note: body });
        this.answered = replies;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return last;
  }
}
