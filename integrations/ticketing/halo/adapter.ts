import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { ActorRole, EventOf, TicketSnapshot } from '../../../workflows/resync/index.js';
import { botPast, othersWithAnswered } from '../bot-trail.js';
import { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn } from '../comment-marker.js';
import { InvalidWebhook, TicketNotFound } from '../errors.js';
import { escalationTargetOf } from '../escalation-target.js';
import type { StoredEvent, TicketComment, TicketEvents, TicketSummary, TicketSystem, TicketUpdate, WebhookRequest } from '../ticket-system.js';
import { deliveryIdOf, webhookBodyFields } from '../webhook-body.js';
import { HaloAccountLimiter } from './account-limiter.js';
import { botNote, botTagChanges, hashtags, noteText, tagLine } from './action-text.js';
import { HaloClient, SYSTEM, type NewAction, type TicketPatch } from './client.js';
import type { HaloConfig } from './config.js';
import { HaloRequestRefused } from './halo-errors.js';
import { WebhookSchema, haloTimeMs, ticketStampMs, type HaloAction, type HaloTicket, type HaloUser } from './schemas.js';
import { StatusMap } from './status-map.js';
import { authorizationMatches, basicAuthorization } from './webhook-auth.js';

export interface HaloAdapterOptions {
  config: HaloConfig;
  redis: Redis;
  /** REDIS_PREFIX: the limiter and the update-attempt records live under it */
  prefix: string;
  /** the limiter's window (default one minute: HALO_RATE_LIMIT_PER_MIN is per minute) */
  rateWindowMs?: number;
  /** the longest a request waits for the shared limit here (default 10 s) */
  maxRateWaitMs?: number;
  retryBaseDelayMs?: number;
  /** the longest the intake's calls wait for the shared pause or budget (default 2 s), then 503 with Retry-After */
  webhookMaxRateWaitMs?: number;
  now?: () => number;
}

/** An update attempt is remembered this long, so a retry days later still looks before it posts. */
const ATTEMPT_TTL_S = 7 * 86_400;
/** Actions a webhook's read brought, held for the transition that reads them next. */
const HELD_COMMENTS = { max: 10_000, ttl: 5 * 60_000 };
const CACHE_SIZE = 10_000;
/** An admin may change a user's e-mail or name: a user record is read again after this long. */
const USER_TTL_MS = 10 * 60_000;

type Content = { ticket: HaloTicket; user: HaloUser | undefined };
/** Who an action's author is, relative to the ticket: the bot's agent id and the ticket's end user. */
type Parties = { botId: number; userId: number | undefined };

/**
 * HaloPSA tickets behind the `TicketSystem` interface, through the Halo API. A webhook (Configuration > Integrations >
 * Webhooks, Basic authentication) only names the ticket: the ticket and its actions are read back, and are the truth.
 * Tags live in the bot's actions (a tag line) and agents' hashtags, as Halo has no ticket tags the API writes with an
 * action; the requester is the ticket's end user as Halo's user record has them; the company is the ticket's client.
 */
export class HaloAdapter implements TicketSystem {
  readonly name = SYSTEM;
  /** lastactiondate and last_update are Halo's server clock, finer than a second: a short settle covers clock skew */
  readonly pollSettleMs = 2_000;
  /** a webhook names the ticket: its actions are read from the API */
  readonly webhookEventsCallApi = true;
  readonly pollIntervalS: number;
  readonly limiter: HaloAccountLimiter;
  private readonly client: HaloClient;
  private readonly config: HaloConfig;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly webhookMaxRateWaitMs: number;
  private readonly now: () => number;
  private readonly expectedAuthorization: string;
  private botAgent: Promise<number> | undefined;
  private statusMap: Promise<StatusMap> | undefined;
  /** user id → the end user's record (what Halo vouches for: e-mail, name), read again after a while */
  private readonly users = new LRUCache<number, HaloUser>({ max: CACHE_SIZE, ttl: USER_TTL_MS });
  /** ticket id → its end user's id, from this process's last read of it */
  private readonly requesters = new LRUCache<string, { userId: number | undefined }>({ max: CACHE_SIZE });
  /** ticket id → the latest change stamp the bot's own writes in this process left */
  private readonly botWrites = new LRUCache<string, number>({ max: CACHE_SIZE, ttl: HELD_COMMENTS.ttl });
  /** ticket id → the newest action a webhook's read-back in this process turned into events */
  private readonly readBack = new LRUCache<string, number>({ max: CACHE_SIZE, ttl: HELD_COMMENTS.ttl });
  /** actions as a webhook's read found them: text stays in this process's memory, minutes at most */
  private readonly held = new LRUCache<string, TicketComment>(HELD_COMMENTS);

  constructor(opts: HaloAdapterOptions) {
    this.config = opts.config;
    this.pollIntervalS = opts.config.pollIntervalS;
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.webhookMaxRateWaitMs = opts.webhookMaxRateWaitMs ?? 2_000;
    this.now = opts.now ?? Date.now;
    this.expectedAuthorization = basicAuthorization(opts.config.webhookUser, opts.config.webhookSecret);
    this.limiter = new HaloAccountLimiter({
      redis: opts.redis,
      prefix: opts.prefix,
      account: opts.config.baseUrl,
      perWindow: opts.config.rateLimitPerMin,
      ...(opts.rateWindowMs !== undefined ? { windowMs: opts.rateWindowMs } : {}),
      ...(opts.maxRateWaitMs !== undefined ? { maxWaitMs: opts.maxRateWaitMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.client = new HaloClient({
      baseUrl: opts.config.baseUrl,
      authUrl: opts.config.authUrl,
      token: { clientId: opts.config.clientId, clientSecret: opts.config.clientSecret, scope: opts.config.scope, ...(opts.config.tenant !== undefined ? { tenant: opts.config.tenant } : {}) },
      limiter: this.limiter,
      timeoutMs: opts.config.timeoutMs,
      retries: opts.config.retries,
      ...(opts.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: opts.retryBaseDelayMs } : {}),
      ...(opts.maxRateWaitMs !== undefined ? { maxRetryAfterMs: opts.maxRateWaitMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  }

  async getTicket(ticketId: string): Promise<TicketSnapshot & { updatedAt: number }> {
    const content = await this.readTicket(ticketId);
    const actions = await this.client.actions(ticketId);
    const parties = await this.parties(content);
    return { ...(await this.snapshot(content, this.tagsOf(content.ticket, actions, parties))), updatedAt: ticketStampMs(content.ticket) };
  }

  async listComments(ticketId: string): Promise<TicketComment[]> {
    const parties = await this.partiesOf(ticketId);
    return commentsOf(await this.client.actions(ticketId), parties);
  }

  /** The action as a webhook's read found it, when this process read it; otherwise the actions once. */
  async getComment(ticketId: string, commentId: string): Promise<TicketComment> {
    const held = this.held.get(heldKey(ticketId, commentId));
    if (held) return held;
    const comment = (await this.listComments(ticketId)).find((c) => c.id === commentId);
    if (!comment) throw new TicketNotFound(SYSTEM, `${ticketId} (action ${commentId})`);
    return comment;
  }

  /**
   * One workflow step: the public reply as an action visible to the end user (e-mailed), the internal note (with the
   * step's tag changes) as a hidden action, then the status (from the tenant's statuses) and the escalation team or
   * agent in one ticket update. Each action carries a marker of the idempotency key; a key seen before means an earlier
   * try may have written, so the ticket's actions are searched for the markers first and what is there is not written again.
   */
  async applyUpdate(ticketId: string, update: TicketUpdate, idempotencyKey: string): Promise<void> {
    const tags = tagLine(update.addTags, update.removeTags);
    const ends = update.ends === true;
    const ticket = Number(ticketId);
    // The tag line rides on the note; a step without one carries it on its reply, and only a step with neither writes a
    // hidden action of its own: a step stays one action per comment it asked for.
    const tagsOnReply = !update.internalNote && update.publicReply ? tags : undefined;
    const actions = new Map<'reply' | 'note', NewAction>();
    if (update.publicReply) actions.set('reply', { ticket_id: ticket, note: botNote(update.publicReply, idempotencyKey, 'reply', { tags: tagsOnReply, ends }), hiddenfromuser: false, sendemail: true });
    if (update.internalNote || (tags !== undefined && tagsOnReply === undefined)) {
      actions.set('note', { ticket_id: ticket, note: botNote(update.internalNote ?? '', idempotencyKey, 'note', { tags, ends }), hiddenfromuser: true, sendemail: false });
    }
    const team = update.escalate ? (update.escalateTo !== undefined ? escalationTargetOf(SYSTEM, update.escalateTo) : this.config.escalationTeam) : undefined;
    const patch: TicketPatch = {
      ...(update.status !== undefined ? { status_id: (await this.statuses()).idFor(update.status) } : {}),
      ...(team !== undefined ? { team } : {}),
      ...(update.escalate && this.config.escalationAgentId !== undefined ? { agent_id: this.config.escalationAgentId } : {}),
    };
    if (actions.size === 0 && Object.keys(patch).length === 0) return;
    if (actions.size > 0) {
      const attemptKey = `${this.prefix}:halo:attempted:${createHash('sha256').update(`${ticketId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
      const first = await this.redis.set(attemptKey, '1', 'EX', ATTEMPT_TTL_S, 'NX');
      if (first === null) {
        const there = await this.markersOn(ticketId);
        for (const part of [...actions.keys()]) if (there.has(commentMarker(idempotencyKey, part))) actions.delete(part);
      }
    } else {
      // POST /api/Tickets with an id Halo does not know could create a ticket: a step with no action reads it first
      await this.client.getTicket(ticketId);
    }
    for (const action of actions.values()) this.wrote(ticketId, haloTimeMs((await this.client.addAction(action)).datetime));
    if (Object.keys(patch).length > 0) this.wrote(ticketId, await this.client.updateTicket(ticketId, patch));
  }

  private wrote(ticketId: string, stamp: number | undefined): void {
    if (stamp !== undefined && Number.isFinite(stamp)) this.botWrites.set(ticketId, Math.max(stamp, this.botWrites.get(ticketId) ?? Number.NEGATIVE_INFINITY));
  }

  /**
   * Nothing on the ticket a webhook's read-back has not already turned into events: no action newer than the newest
   * one such a read saw, and no change after that but the bot's own writes (the webhooks of the bot's status update and
   * of its actions already read). Halo's stamps, read from the API, decide, never the webhook's body. Only a webhook's
   * read counts as seen (a read for the workflow makes no events); another process's reads and writes are not known
   * here, and such a webhook is read in full. Should the intake fail to store what a read found, the poller reads the
   * ticket again (its event ids are the same).
   */
  private nothingNew(ticket: HaloTicket): boolean {
    const seen = this.readBack.get(String(ticket.id));
    if (seen === undefined || !ticket.lastactiondate) return false;
    return haloTimeMs(ticket.lastactiondate) <= seen && ticketStampMs(ticket) <= Math.max(seen, this.botWrites.get(String(ticket.id)) ?? Number.NEGATIVE_INFINITY);
  }

  /** The delivery's id (a GUID per delivery, from the authenticated body). */
  webhookDeliveryId(req: WebhookRequest): string | undefined {
    return deliveryIdOf(webhookBodyFields(req)?.id);
  }

  verifyWebhook(req: WebhookRequest, _now: number): void {
    const given = header(req, 'authorization');
    if (given === undefined) {
      throw new InvalidWebhook('missing_signature', 'send Authorization: set the Halo webhook\'s Authentication to Basic, with HALO_WEBHOOK_USER as user name and HALO_WEBHOOK_SECRET as password', 401);
    }
    if (!authorizationMatches(this.expectedAuthorization, given)) {
      throw new InvalidWebhook('bad_signature', 'the Basic authentication does not match: check the webhook\'s user name and password equal HALO_WEBHOOK_USER and HALO_WEBHOOK_SECRET', 401);
    }
  }

  /** For the intake: its calls wait at most `webhookMaxRateWaitMs` for the shared pause or budget, then 503 with Retry-After. */
  eventsFromWebhook(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    return this.limiter.withMaxWait(this.webhookMaxRateWaitMs, () => this.eventsOfDelivery(req, now));
  }

  async listWatchedTickets(): Promise<TicketSummary[]> {
    const statuses = await this.statuses();
    const { watchTicketTypeId, pollLookbackDays } = this.config;
    const since = new Date(this.now() - pollLookbackDays * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const filter: Record<string, string> = {
      open_only: 'true',
      datesearch: 'lastactiondate',
      startdate: since,
      ...(watchTicketTypeId !== undefined ? { requesttype_id: String(watchTicketTypeId) } : {}),
    };
    const found = await this.client.listTickets(filter);
    return found
      .filter((t) => !statuses.isDone(t.status_id) && this.watches({ tickettype_id: t.tickettype_id ?? watchTicketTypeId ?? -1, category_1: t.category_1 }))
      .map((t) => ({ id: String(t.id), updatedAt: ticketStampMs(t) }));
  }

  async eventsFromTicket(ticketId: string, now: number): Promise<StoredEvent[]> {
    const content = await this.readTicket(ticketId);
    const actions = await this.client.actions(ticketId);
    const parties = await this.parties(content);
    const comments = commentsOf(actions, parties);
    const events: StoredEvent[] = [];
    if (this.watches(content.ticket)) events.push(tagged(await this.snapshot(content, this.tagsOf(content.ticket, actions, parties)), now, botPast(comments)));
    // read from the ticket's history: a comment the bot answered since says so (a rebuilt workflow does not answer twice)
    const answered = new Set(othersWithAnswered(comments).filter((c) => c.answered).map((c) => c.comment.id));
    const fromActions = this.actionEvents(content.ticket, actions, comments, parties, now);
    return [...events, ...fromActions.map((e) => (e.type === 'commentAdded' && answered.has(e.commentId) ? { ...e, answered: true } : e))];
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private async eventsOfDelivery(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    let json: unknown;
    try {
      json = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new InvalidWebhook('bad_json', 'the body is not JSON', 400);
    }
    const parsed = WebhookSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidWebhook('bad_shape', `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'} (a Halo webhook payload: id, event, object_id)`, 400);
    }
    const ticketId = String(parsed.data.object_id ?? parsed.data.ticket?.id);
    let content: Content;
    let actions: HaloAction[];
    try {
      content = await this.readTicket(ticketId);
      // the webhook of the bot's own write, or of a change an earlier webhook's read already took: no further read
      if (this.nothingNew(content.ticket)) return [];
      actions = await this.client.actions(ticketId);
      const newest = actions.at(-1);
      if (newest) this.readBack.set(ticketId, Math.max(haloTimeMs(newest.datetime), this.readBack.get(ticketId) ?? Number.NEGATIVE_INFINITY));
    } catch (err) {
      if (err instanceof TicketNotFound) return [];
      throw err;
    }
    const events = await this.liveEvents(content, actions, now);
    return events.length > 0 ? [{ ticketId, events }] : [];
  }

  /**
   * What a webhook's read-back shows: out of the watched type/category, the watch tag removed (an agent handing it off);
   * watched, the actions of others as comment (and hashtag) events, the ticket, and its status as a status event by the
   * author of the latest action (none when that is the bot: its own write makes nothing to react to).
   */
  private async liveEvents(content: Content, actions: HaloAction[], now: number): Promise<StoredEvent[]> {
    const { ticket } = content;
    const parties = await this.parties(content);
    const comments = commentsOf(actions, parties);
    const last = actions.at(-1);
    const byRole = last ? roleOf(last, parties) : 'system';
    const stamp = ticketStampMs(ticket);
    if (!this.watches(ticket)) {
      if (byRole === 'bot') return [];
      return [{ type: 'tagsChanged', id: `${SYSTEM}:${ticket.id}:unwatched:${stamp}`, at: now, tags: [], added: [], removed: [this.config.watchTag], byRole }];
    }
    for (const c of comments) if (c.authorRole !== 'bot') this.held.set(heldKey(String(ticket.id), c.id), c);
    const status = (await this.statuses()).toStatus(ticket.status_id);
    const snap = await this.snapshot(content, this.tagsOf(ticket, actions, parties));
    return [
      ...this.actionEvents(ticket, actions, comments, parties, now),
      tagged(snap, now, botPast(comments)),
      ...(byRole === 'bot' ? [] : [{ type: 'statusChanged' as const, id: `${SYSTEM}:${ticket.id}:status:${ticket.status_id}:${stamp}`, at: now, status, byRole }]),
    ];
  }

  /** Comment events for the actions of others, and a tag event for each agent's action that carries hashtags. */
  private actionEvents(ticket: HaloTicket, actions: HaloAction[], comments: TicketComment[], parties: Parties, now: number): StoredEvent[] {
    const events: StoredEvent[] = [];
    for (const c of comments) {
      if (c.authorRole === 'bot') continue;
      events.push(commentAdded(String(ticket.id), c, now));
      const added = c.authorRole === 'agent' ? hashtags(c.body) : [];
      if (added.length > 0) {
        const upTo = actions.slice(0, actions.findIndex((a) => String(a.id) === c.id) + 1);
        events.push({ type: 'tagsChanged', id: `${SYSTEM}:${ticket.id}:tags:${c.id}`, at: now, tags: this.tagsOf(ticket, upTo, parties), added, removed: [], byRole: 'agent' });
      }
    }
    return events;
  }

  /** The ticket's tags: the watch tag while it is watched, then the bot's tag lines and agents' hashtags, oldest first. */
  private tagsOf(ticket: Pick<HaloTicket, 'tickettype_id' | 'category_1'>, actions: HaloAction[], parties: Parties): string[] {
    const tags = new Set<string>(this.watches(ticket) ? [this.config.watchTag] : []);
    for (const a of actions) {
      const role = roleOf(a, parties);
      const text = noteText(a.note);
      if (role === 'bot') {
        const { added, removed } = botTagChanges(text);
        for (const t of added) tags.add(t);
        for (const t of removed) tags.delete(t);
      } else if (role === 'agent') {
        for (const t of hashtags(text)) tags.add(t);
      }
    }
    return [...tags];
  }

  private watches(t: Pick<HaloTicket, 'tickettype_id' | 'category_1'>): boolean {
    const { watchTicketTypeId, watchCategory } = this.config;
    return (watchTicketTypeId === undefined || t.tickettype_id === watchTicketTypeId) && (watchCategory === undefined || t.category_1.trim().toLowerCase() === watchCategory.toLowerCase());
  }

  /**
   * The requester is the ticket's end user as Halo's user record has them (e-mail and name set by the MSP or the
   * directory sync, never what the end user typed); the organization is the ticket's client (the MSP's customer).
   */
  private async snapshot(content: Content, tags: string[]): Promise<TicketSnapshot> {
    const { ticket, user } = content;
    const status = (await this.statuses()).toStatus(ticket.status_id);
    return {
      system: SYSTEM,
      id: String(ticket.id),
      subject: ticket.summary,
      status,
      tags,
      requester: user ? { id: String(user.id), ...(user.name ? { name: user.name } : {}), ...(user.emailaddress ? { email: user.emailaddress } : {}) } : { id: 'no-user' },
      ...(ticket.client_id !== undefined ? { organization: { id: String(ticket.client_id), ...(ticket.client_name ? { name: ticket.client_name.slice(0, 300) } : {}) } } : {}),
    };
  }

  private async readTicket(ticketId: string): Promise<Content> {
    const ticket = await this.client.getTicket(ticketId);
    this.requesters.set(ticketId, { userId: ticket.user_id });
    return { ticket, user: await this.user(ticket.user_id) };
  }

  private async parties(content: Content): Promise<Parties> {
    return { botId: await this.botAgentId(), userId: content.ticket.user_id };
  }

  private async partiesOf(ticketId: string): Promise<Parties> {
    const known = this.requesters.get(ticketId);
    if (!known) return this.parties(await this.readTicket(ticketId));
    return { botId: await this.botAgentId(), userId: known.userId };
  }

  /** A user record, read once in a while (a ticket with no user, or a user gone since: undefined). */
  private async user(id: number | undefined): Promise<HaloUser | undefined> {
    if (id === undefined) return undefined;
    const known = this.users.get(id);
    if (known) return known;
    let user: HaloUser;
    try {
      user = await this.client.getUser(id);
    } catch (err) {
      if (err instanceof HaloRequestRefused && err.status === 404) return undefined;
      throw err;
    }
    this.users.set(id, user);
    return user;
  }

  /** The agent the application acts as (GET /api/Agent/me), read once per process. */
  private botAgentId(): Promise<number> {
    this.botAgent ??= this.client.me().then(
      (me) => me.id,
      (err: unknown) => {
        this.botAgent = undefined;
        throw err;
      },
    );
    return this.botAgent;
  }

  /** The tenant's statuses, read once per process; a failed read is tried again next time. */
  private statuses(): Promise<StatusMap> {
    this.statusMap ??= this.client.statuses().then(
      (list) => new StatusMap(list),
      (err: unknown) => {
        this.statusMap = undefined;
        throw err;
      },
    );
    return this.statusMap;
  }

  /** The markers of the bot's actions on a ticket: what an earlier try of an update already wrote. */
  private async markersOn(ticketId: string): Promise<Set<string>> {
    const botId = await this.botAgentId();
    const found = new Set<string>();
    for (const a of await this.client.actions(ticketId)) {
      if (a.who_agentid !== botId) continue;
      for (const m of markersIn(noteText(a.note))) found.add(m);
    }
    return found;
  }
}

/**
 * Who wrote an action: the bot is its agent writing with its marker (the same agent without one is a person); any other
 * agent is an agent; an action by no agent is the ticket's end user when Halo records them as its author
 * (`actionby_user_id`), someone else on the customer's side (a cc) otherwise. Halo's own actions (no agent, no user) are
 * the system. Ids only: a display name is not unique.
 */
function roleOf(a: HaloAction, p: Parties): ActorRole {
  if (a.who_agentid !== undefined) return a.who_agentid === p.botId && hasMarker(noteText(a.note)) ? 'bot' : 'agent';
  if (a.actionby_user_id === undefined) return 'system';
  return a.actionby_user_id === p.userId ? 'requester' : 'end-user';
}

/** The actions with a note, as comments: visible ones public, hidden ones internal. */
function commentsOf(actions: HaloAction[], p: Parties): TicketComment[] {
  const out: TicketComment[] = [];
  for (const a of actions) {
    const body = noteText(a.note);
    if (body === '') continue;
    const authorRole = roleOf(a, p);
    const round = authorRole === 'bot' ? roundFields(roundMarkIn(body)) : {};
    // the end user by the id the snapshot gives the requester; agents by their agent id; other users by their user id
    const authorId = authorRole === 'requester' ? String(a.actionby_user_id) : a.who_agentid !== undefined ? `agent:${a.who_agentid}` : a.actionby_user_id !== undefined ? `user:${a.actionby_user_id}` : 'system';
    out.push({ id: String(a.id), authorId, authorRole, public: !a.hiddenfromuser, body, createdAt: haloTimeMs(a.datetime), ...round });
  }
  return out;
}

function heldKey(ticketId: string, commentId: string): string {
  return `${ticketId}\u0000${commentId}`;
}

function header(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function tagged(ticket: TicketSnapshot, now: number, past?: EventOf<'ticketTagged'>['past']): EventOf<'ticketTagged'> {
  return { type: 'ticketTagged', id: `${SYSTEM}:${ticket.id}:tagged`, at: now, ticket, ...(past ? { past } : {}) };
}

function commentAdded(ticketId: string, c: TicketComment, now: number): EventOf<'commentAdded'> {
  return { type: 'commentAdded', id: `${SYSTEM}:${ticketId}:comment:${c.id}`, at: now, commentId: c.id, authorId: c.authorId, authorRole: c.authorRole, public: c.public };
}
