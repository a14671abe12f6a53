import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { z } from 'zod';
import { type ActorRole, type EventOf, firstMessageExcerpt, normaliseLocale, type TicketSnapshot } from '../../../workflows/resync/index.js';
import { InvalidWebhook, TicketNotFound } from '../errors.js';
import { escalationTargetOf } from '../escalation-target.js';
import type { StoredEvent, TicketComment, TicketEvents, TicketSummary, TicketSystem, TicketUpdate, WebhookRequest } from '../ticket-system.js';
import { deliveryIdOf, webhookBodyFields } from '../webhook-body.js';
import { refuseUnlessFresh } from '../webhook-freshness.js';
import { ZendeskAccountLimiter } from './account-limiter.js';
import { SYSTEM, ZendeskClient, type TicketUpdateBody } from './client.js';
import { botPast, othersWithAnswered } from '../bot-trail.js';
import { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn, withMarker, type CommentPart } from './comment-marker.js';
import type { ZendeskConfig } from './config.js';
import {
  CommentAddedEventSchema,
  OtherTicketEventSchema,
  type EventTicketDetailSchema,
  StatusChangedEventSchema,
  TagsChangedEventSchema,
  TicketCreatedEventSchema,
  TriggerWebhookSchema,
  ZendeskStatusSchema,
  type ZendeskComment,
  type ZendeskTicket,
  type ZendeskUser,
} from './schemas.js';
import { isUnwatchedTicketEvent } from './watch-filter.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, parseSignatureTimestamp, zendeskSignatureMatches } from './webhook-signature.js';

export interface ZendeskAdapterOptions {
  config: ZendeskConfig;
  redis: Redis;
  /** REDIS_PREFIX: the limiter and the update-attempt records live under it */
  prefix: string;
  /** the limiter's window (default one minute: ZENDESK_RATE_LIMIT_PER_MIN is per minute) */
  rateWindowMs?: number;
  /** the longest a request waits for the shared limit here (default 10 s) */
  maxRateWaitMs?: number;
  retryBaseDelayMs?: number;
  /** a webhook signed longer ago than this is refused as a possible replay (default 5 min) */
  maxWebhookAgeMs?: number;
  /**
   * the longest the intake's calls wait for the shared pause or budget (default 2 s): past it the intake answers 503
   * with Retry-After rather than hold Zendesk's request towards its time-out
   */
  webhookMaxRateWaitMs?: number;
  now?: () => number;
}

/** Tickets whose requester (and assignee) is remembered; past this the memory starts again (it only saves reads). */
const REQUESTER_CACHE_SIZE = 10_000;
/** An update attempt is remembered this long, so a retry days later still looks before it posts. */
const ATTEMPT_TTL_S = 7 * 86_400;
/** Comments a webhook carried, held for the transition that reads them next (the drain follows in milliseconds). */
const HELD_COMMENTS = { max: 10_000, ttl: 5 * 60_000 };

type Content = { ticket: ZendeskTicket; users: Map<number, ZendeskUser> };
type EventDetail = z.output<typeof EventTicketDetailSchema>;

/**
 * Zendesk Support behind the `TicketSystem` interface. Webhooks are notifications only: the ticket, its
 * comments and who wrote them are read from the API, which is the truth.
 */
export class ZendeskAdapter implements TicketSystem {
  readonly name = SYSTEM;
  /** `updated_at` is to the second, on Zendesk's clock */
  readonly pollSettleMs = 5_000;
  /** a trigger webhook names the ticket only: its events are read from the API */
  readonly webhookEventsCallApi = true;
  /** `ZENDESK_POLL_INTERVAL_S`: the search API costs rate limit */
  readonly pollIntervalS: number;
  private readonly client: ZendeskClient;
  readonly limiter: ZendeskAccountLimiter;
  private readonly config: ZendeskConfig;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly maxWebhookAgeMs: number;
  private botUser: Promise<number> | undefined;
  /** ticket id → requester id, from this process's last read of the ticket or webhook about it */
  private readonly requesters = new Map<string, number>();
  /** ticket id → assignee id (null: none), from the last ticket or webhook this process saw */
  private readonly assignees = new Map<string, number | null>();
  /**
   * Comments as a verified webhook carried them (body, author, visibility), in this process's memory only: the body
   * may hold codes, so it is never written to Redis or a log, and it is forgotten within minutes. The transition that
   * reads the comment next takes it from here instead of listing the ticket's comments again.
   */
  private readonly fromWebhooks = new LRUCache<string, TicketComment>(HELD_COMMENTS);
  private readonly webhookMaxRateWaitMs: number;

  constructor(opts: ZendeskAdapterOptions) {
    this.config = opts.config;
    this.pollIntervalS = opts.config.pollIntervalS;
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.maxWebhookAgeMs = opts.maxWebhookAgeMs ?? 5 * 60_000;
    this.webhookMaxRateWaitMs = opts.webhookMaxRateWaitMs ?? 2_000;
    this.limiter = new ZendeskAccountLimiter({
      redis: opts.redis,
      prefix: opts.prefix,
      account: opts.config.baseUrl,
      perWindow: opts.config.rateLimitPerMin,
      ...(opts.rateWindowMs !== undefined ? { windowMs: opts.rateWindowMs } : {}),
      ...(opts.maxRateWaitMs !== undefined ? { maxWaitMs: opts.maxRateWaitMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.client = new ZendeskClient({
      baseUrl: opts.config.baseUrl,
      credentials: opts.config.credentials,
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
    return { ...(await this.snapshot(content)), updatedAt: Date.parse(content.ticket.updated_at) };
  }

  async listComments(ticketId: string): Promise<TicketComment[]> {
    const { ticket } = await this.readTicket(ticketId);
    return this.commentsOf(ticket);
  }

  /**
   * The comment as the webhook that announced it carried it, when this process took that webhook (the usual case: the
   * intake and the drain share a process). Otherwise it is found in the ticket's list, Zendesk having no "show
   * comment" endpoint; the requester (for the author's role) comes from the last read of the ticket or webhook in
   * this process when there is one, so a reply costs one comment list and no ticket read.
   */
  async getComment(ticketId: string, commentId: string): Promise<TicketComment> {
    const held = this.fromWebhooks.get(heldKey(ticketId, commentId));
    if (held) return held;
    const requesterId = this.requesters.get(ticketId) ?? (await this.readTicket(ticketId)).ticket.requester_id;
    const comment = (await this.commentsOf({ id: Number(ticketId), requester_id: requesterId })).find((c) => c.id === commentId);
    if (!comment) throw new TicketNotFound(SYSTEM, `${ticketId} (comment ${commentId})`);
    return comment;
  }

  /**
   * One step as few ticket updates as Zendesk allows: one, or two when the step has both an internal note and
   * a public reply (an update carries one comment). Status, tags and group ride on the last one. Each comment
   * carries a marker of the idempotency key; a key seen before means an earlier try may have posted, so the
   * ticket's comments are searched for the markers first and what is there is not posted again.
   */
  async applyUpdate(ticketId: string, update: TicketUpdate, idempotencyKey: string): Promise<void> {
    const comments: Array<{ part: CommentPart; body: string; public: boolean }> = [];
    if (update.internalNote) comments.push({ part: 'note', body: update.internalNote, public: false });
    if (update.publicReply) comments.push({ part: 'reply', body: update.publicReply, public: true });
    const group = update.escalate ? (update.escalateTo !== undefined ? escalationTargetOf(SYSTEM, update.escalateTo) : this.config.escalationGroupId) : undefined;
    const fixed: TicketUpdateBody = {
      ...(update.status !== undefined ? { status: update.status } : {}),
      ...(update.addTags.length > 0 ? { additional_tags: update.addTags } : {}),
      ...(update.removeTags.length > 0 ? { remove_tags: update.removeTags } : {}),
      ...(group !== undefined ? { group_id: Number(group) } : {}),
    };
    const hasChanges = Object.keys(fixed).length > 0;
    if (comments.length === 0 && !hasChanges) return;
    // Decided just before the update that carries the status: a note posted first has told who the assignee is.
    const changes = async (): Promise<TicketUpdateBody> => {
      const assignee = update.status === 'solved' ? await this.solveAssignee(ticketId) : undefined;
      return { ...fixed, ...(assignee !== undefined ? { assignee_id: assignee } : {}) };
    };

    let posted = new Set<string>();
    if (comments.length > 0) {
      const attemptKey = `${this.prefix}:zendesk:attempted:${createHash('sha256').update(`${ticketId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
      const first = await this.redis.set(attemptKey, '1', 'EX', ATTEMPT_TTL_S, 'NX');
      if (first === null) posted = await this.markersOn(ticketId);
    }
    const pending = comments.filter((c) => !posted.has(commentMarker(idempotencyKey, c.part)));
    for (const [i, c] of pending.entries()) {
      const last = i === pending.length - 1;
      const comment = { body: withMarker(c.body, idempotencyKey, c.part, { round: update.ends === true ? 'end' : 'mid' }), public: c.public };
      this.remember(await this.client.updateTicket(ticketId, { comment, ...(last ? await changes() : {}) }, 'unsent'));
    }
    // Everything was posted before (or there is no comment): the changes alone are safe to send again.
    if (pending.length === 0 && hasChanges) this.remember(await this.client.updateTicket(ticketId, await changes(), 'always'));
  }

  /**
   * Zendesk refuses `solved` without an assignee unless the account's "Auto-assign tickets upon solve" is on (its
   * default, which admins turn off). A ticket this process saw unassigned, or did not see, is assigned to
   * ZENDESK_SOLVE_ASSIGNEE_ID or else the bot's own user, as Zendesk itself would assign the solver; an assignee an
   * agent chose is kept.
   */
  private async solveAssignee(ticketId: string): Promise<number | undefined> {
    const current = this.assignees.get(ticketId);
    if (typeof current === 'number') return undefined;
    return this.config.solveAssigneeId !== undefined ? Number(this.config.solveAssigneeId) : this.botId();
  }

  /**
   * The event's id from the signed body (the invocation-id header is not signed, so it is not trusted). None for an
   * event on an unwatched ticket: it makes no events, so a replay is harmless, and recording it would cost a Redis
   * write per webhook of the account's whole traffic.
   */
  webhookDeliveryId(req: WebhookRequest): string | undefined {
    const body = webhookBodyFields(req);
    if (typeof body?.type !== 'string' || !body.type.startsWith('zen:event-type:')) return undefined;
    return isUnwatchedTicketEvent(body, this.config.watchTag) ? undefined : deliveryIdOf(body.id);
  }

  verifyWebhook(req: WebhookRequest, now: number): void {
    const signature = header(req, SIGNATURE_HEADER);
    const timestamp = header(req, TIMESTAMP_HEADER);
    if (signature === undefined || timestamp === undefined) {
      throw new InvalidWebhook('missing_signature', `send both X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp (turn on the webhook's signing)`, 401);
    }
    if (!zendeskSignatureMatches(this.config.webhookSecret, timestamp, req.rawBody, signature)) {
      throw new InvalidWebhook('bad_signature', 'X-Zendesk-Webhook-Signature does not match the body: check ZENDESK_WEBHOOK_SECRET is the webhook\'s signing secret', 401);
    }
    const sentAt = parseSignatureTimestamp(timestamp);
    if (sentAt === undefined) throw new InvalidWebhook('stale_timestamp', 'X-Zendesk-Webhook-Signature-Timestamp is not a time', 401);
    refuseUnlessFresh(sentAt, now, this.maxWebhookAgeMs);
  }

  /**
   * Runs for the intake, which must answer Zendesk within its time-out: its calls wait at most `webhookMaxRateWaitMs`
   * for the shared pause or budget, then fail as rate limited (the intake answers 503 with Retry-After).
   */
  eventsFromWebhook(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    return this.limiter.withMaxWait(this.webhookMaxRateWaitMs, () => this.eventsOfWebhook(req, now));
  }

  private async eventsOfWebhook(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    let json: unknown;
    try {
      json = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new InvalidWebhook('bad_json', 'the body is not JSON', 400);
    }
    // Before any API call: most of an account's events are about tickets that are not the bot's.
    if (isUnwatchedTicketEvent(json, this.config.watchTag)) return [];
    const trigger = TriggerWebhookSchema.safeParse(json);
    if (trigger.success) {
      const ticketId = trigger.data.ticket_id;
      const events = await this.eventsOrNone(ticketId, now);
      return events.length > 0 ? [{ ticketId, events }] : [];
    }
    const type = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).type : undefined;
    if (typeof type !== 'string') throw new InvalidWebhook('bad_shape', 'neither a zen:event-type:ticket.* event nor the trigger body {"twofa_desk": "trigger", "ticket_id": …}', 400);
    const events = await this.eventsOfTicketEvent(type, json, now);
    return events.events.length > 0 ? [events] : [];
  }

  async listWatchedTickets(): Promise<TicketSummary[]> {
    const found = await this.client.searchTickets(`tags:${this.config.watchTag} status<solved`);
    return found.map((t) => ({ id: String(t.id), updatedAt: Date.parse(t.updated_at) }));
  }

  async eventsFromTicket(ticketId: string, now: number): Promise<StoredEvent[]> {
    const content = await this.readTicket(ticketId);
    const comments = await this.commentsOf(content.ticket, { skipDescription: true });
    const events: StoredEvent[] = [];
    if (content.ticket.tags.includes(this.config.watchTag)) events.push(tagged(await this.snapshot(content), now, botPast(comments)));
    for (const { comment, answered } of othersWithAnswered(comments)) events.push({ ...commentAdded(ticketId, comment, now), ...(answered ? { answered } : {}), writtenAt: comment.createdAt });
    return events;
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private async eventsOfTicketEvent(type: string, json: unknown, now: number): Promise<TicketEvents> {
    switch (type) {
      case 'zen:event-type:ticket.created': {
        const e = parseEvent(TicketCreatedEventSchema, json);
        this.learn(e.detail.id, e.detail);
        return { ticketId: e.detail.id, events: await this.taggedFromApi(e.detail.id, now) };
      }
      case 'zen:event-type:ticket.comment_added': {
        const e = parseEvent(CommentAddedEventSchema, json);
        const ticketId = e.detail.id;
        this.learn(ticketId, e.detail);
        const { author, body } = e.event.comment;
        if (author && body !== undefined) return { ticketId, events: await this.commentFromEvent(e.detail, e.event.comment, author, body, now) };
        // Another event version, without the author or the text: the ticket's comments say who wrote what.
        const comments = await this.commentsOrNone(ticketId);
        const c = comments.find((x) => x.id === e.event.comment.id);
        // The description is the first comment: the ticket's tagging stands for it.
        if (!c || c.authorRole === 'bot' || c === comments[0]) return { ticketId, events: [] };
        return { ticketId, events: [commentAdded(ticketId, c, now)] };
      }
      case 'zen:event-type:ticket.tags_changed': {
        const e = parseEvent(TagsChangedEventSchema, json);
        const ticketId = e.detail.id;
        this.learn(ticketId, e.detail);
        const byRole = await this.actorRole(e.detail.actor_id, e.detail.requester_id);
        if (byRole === 'bot') return { ticketId, events: [] };
        let content: Content;
        try {
          content = await this.readTicket(ticketId);
        } catch (err) {
          if (err instanceof TicketNotFound) return { ticketId, events: [] };
          throw err;
        }
        const added = (e.event.tags_added ?? []).map((t) => t.toLowerCase());
        const changed: EventOf<'tagsChanged'> = {
          type: 'tagsChanged',
          id: `${SYSTEM}:${ticketId}:tags:${e.id}`,
          at: now,
          tags: content.ticket.tags,
          added,
          removed: (e.event.tags_removed ?? []).map((t) => t.toLowerCase()),
          byRole,
        };
        const tagging = added.includes(this.config.watchTag) && content.ticket.tags.includes(this.config.watchTag) ? await this.taggedLater(content, byRole, e.id, now) : [];
        return { ticketId, events: [...tagging, changed] };
      }
      case 'zen:event-type:ticket.status_changed': {
        const e = parseEvent(StatusChangedEventSchema, json);
        const ticketId = e.detail.id;
        this.learn(ticketId, e.detail);
        const status = ZendeskStatusSchema.safeParse(e.event.current.toLowerCase());
        if (!status.success) return { ticketId, events: [] };
        const byRole = await this.actorRole(e.detail.actor_id, e.detail.requester_id);
        if (byRole === 'bot') return { ticketId, events: [] };
        return { ticketId, events: [{ type: 'statusChanged', id: `${SYSTEM}:${ticketId}:status:${e.id}`, at: now, status: status.data, byRole }] };
      }
      default: {
        const e = parseEvent(OtherTicketEventSchema, json);
        this.learn(e.detail.id, e.detail);
        return { ticketId: e.detail.id, events: [] };
      }
    }
  }

  /**
   * The watch tag added to a ticket that exists: by an agent (or Zendesk itself) a deliberate (re)open, with an event
   * of its own. The comments written before come first: without a workflow they change nothing, and once taken the
   * poller's copies of them are duplicates, not answers to the bot's first question (the intake keeps no comment of a
   * ticket the bot did not watch yet).
   */
  private async taggedLater(content: Content, byRole: ActorRole, eventId: string, now: number): Promise<StoredEvent[]> {
    const ticketId = String(content.ticket.id);
    const comments = await this.commentsOf(content.ticket, { skipDescription: true });
    const reopen = byRole === 'agent' || byRole === 'system';
    const past = { botCommented: comments.some((c) => c.authorRole === 'bot'), ...(reopen ? { watchTagAdded: true } : {}) };
    const earlier = comments.filter((c) => c.authorRole !== 'bot').map((c) => commentAdded(ticketId, c, now));
    return [...earlier, tagged(await this.snapshot(content), now, past, reopen ? eventId : undefined)];
  }

  /**
   * A comment from what the signed event carries, without an API call: the author's id and `is_staff`, the text and
   * whether it is public. The bot is its user writing with its marker; the requester is the ticket's `requester_id`;
   * other staff are agents, other end users CCs. The description (the ticket's first comment, which the tagging
   * stands for) makes no event: its event leaves the ticket as created (`updated_at` = `created_at`), or it carries
   * the ticket's `description` itself. A reply identical to the description is taken by the poller instead.
   */
  private async commentFromEvent(
    detail: EventDetail,
    comment: { id: string; is_public: boolean },
    author: { id: string; is_staff: boolean },
    body: string,
    now: number,
  ): Promise<StoredEvent[]> {
    const ticketId = detail.id;
    const asCreated = detail.created_at && detail.updated_at && Date.parse(detail.created_at) === Date.parse(detail.updated_at);
    if (asCreated || (detail.description && sameText(detail.description, body))) return [];
    if (hasMarker(body) && Number(author.id) === (await this.botId())) return [];
    const authorRole: ActorRole = author.id === detail.requester_id ? 'requester' : author.is_staff ? 'agent' : 'end-user';
    const c: TicketComment = { id: comment.id, authorId: author.id, authorRole, public: comment.is_public, body, createdAt: now };
    // only what a transition reads: a CC's comment makes an event the workflow ignores, its text is not kept
    if (authorRole !== 'end-user') this.fromWebhooks.set(heldKey(ticketId, c.id), c);
    return [commentAdded(ticketId, c, now)];
  }

  /** What a watched ticket's webhook tells about it: its requester and assignee as of the change. */
  private learn(ticketId: string, detail: EventDetail): void {
    if (detail.requester_id) this.rememberRequester(ticketId, Number(detail.requester_id));
    if (detail.assignee_id !== undefined) this.rememberAssignee(ticketId, detail.assignee_id ? Number(detail.assignee_id) : null);
  }

  private remember(ticket: ZendeskTicket): void {
    const id = String(ticket.id);
    this.rememberRequester(id, ticket.requester_id);
    if (ticket.assignee_id !== undefined) this.rememberAssignee(id, ticket.assignee_id);
  }

  private rememberRequester(ticketId: string, requesterId: number): void {
    if (this.requesters.size >= REQUESTER_CACHE_SIZE) this.requesters.clear();
    this.requesters.set(ticketId, requesterId);
  }

  private rememberAssignee(ticketId: string, assigneeId: number | null): void {
    if (this.assignees.size >= REQUESTER_CACHE_SIZE) this.assignees.clear();
    this.assignees.set(ticketId, assigneeId);
  }

  /** The API user's id: the bot. Read once; a failed read is tried again next time. */
  private botId(): Promise<number> {
    this.botUser ??= this.client.me().then(
      (u) => u.id,
      (err: unknown) => {
        this.botUser = undefined;
        throw err;
      },
    );
    return this.botUser;
  }

  private async readTicket(ticketId: string): Promise<Content> {
    const { ticket, users } = await this.client.getTicket(ticketId);
    this.remember(ticket);
    return { ticket, users: new Map(users.map((u) => [u.id, u])) };
  }

  private async snapshot({ ticket, users }: Content): Promise<TicketSnapshot> {
    const requester = users.get(ticket.requester_id) ?? (await this.client.getUser(String(ticket.requester_id)));
    // the first comment, which the comment events leave out (the tagging stands for it): read for its language only
    const description = firstMessageExcerpt(ticket.description ?? '').trim();
    return {
      system: SYSTEM,
      id: String(ticket.id),
      subject: ticket.subject ?? '',
      ...(description ? { description } : {}),
      status: ticket.status,
      tags: ticket.tags,
      requester: {
        id: String(requester.id),
        name: requester.name,
        ...(requester.email ? { email: requester.email } : {}),
        ...(requester.external_id ? { externalId: requester.external_id } : {}),
        ...localeOf(requester),
      },
      ...(ticket.organization_id ? { organization: { id: String(ticket.organization_id) } } : {}),
    };
  }

  /** The ticket's comments with who wrote them, relative to the ticket (oldest first). */
  private async commentsOf(ticket: Pick<ZendeskTicket, 'id' | 'requester_id'>, opts: { skipDescription?: boolean } = {}): Promise<TicketComment[]> {
    const { comments, users } = await this.client.listComments(String(ticket.id));
    const known = new Map(users.map((u) => [u.id, u]));
    const bot = await this.botId();
    const out: TicketComment[] = [];
    for (const [i, c] of comments.entries()) {
      if (opts.skipDescription && i === 0) continue;
      const authorRole = await this.authorRole(c, ticket.requester_id, bot, known);
      const round = authorRole === 'bot' ? roundFields(roundMarkIn(c.body)) : {};
      out.push({ id: String(c.id), authorId: String(c.author_id), authorRole, public: c.public, body: c.body, createdAt: Date.parse(c.created_at), ...round });
    }
    return out;
  }

  private async commentsOrNone(ticketId: string): Promise<TicketComment[]> {
    try {
      return await this.commentsOf((await this.readTicket(ticketId)).ticket);
    } catch (err) {
      if (err instanceof TicketNotFound) return [];
      throw err;
    }
  }

  /** The bot is its API user writing with its marker; the same user without one is a person (an agent). */
  private async authorRole(c: ZendeskComment, requesterId: number, bot: number, known: Map<number, ZendeskUser>): Promise<ActorRole> {
    if (c.author_id === bot && hasMarker(c.body)) return 'bot';
    if (c.author_id === requesterId) return 'requester';
    const user = known.get(c.author_id) ?? (await this.client.getUser(String(c.author_id)));
    known.set(user.id, user);
    return user.role === 'end-user' ? 'end-user' : 'agent';
  }

  /** Who made a tag or status change: `actor_id` of the event ("-1" or none: Zendesk itself, a trigger). */
  private async actorRole(actorId: string | null | undefined, requesterId: string | null | undefined): Promise<ActorRole> {
    if (actorId === undefined || actorId === null || actorId === '' || actorId === '-1' || actorId === '0') return 'system';
    if (Number(actorId) === (await this.botId())) return 'bot';
    if (actorId === requesterId) return 'requester';
    const user = await this.client.getUser(actorId);
    return user.role === 'end-user' ? 'end-user' : 'agent';
  }

  /** The markers of the bot's comments on a ticket: what an earlier try of an update already posted. */
  private async markersOn(ticketId: string): Promise<Set<string>> {
    const bot = await this.botId();
    const { comments } = await this.client.listComments(ticketId);
    const found = new Set<string>();
    for (const c of comments) {
      if (c.author_id !== bot) continue;
      for (const m of markersIn(c.body)) found.add(m);
    }
    return found;
  }

  private async eventsOrNone(ticketId: string, now: number): Promise<StoredEvent[]> {
    try {
      return await this.eventsFromTicket(ticketId, now);
    } catch (err) {
      if (err instanceof TicketNotFound) return [];
      throw err;
    }
  }

  /** The ticket as it is now: the tag may be gone again, and the webhook's copy may be old. */
  private async taggedFromApi(ticketId: string, now: number): Promise<StoredEvent[]> {
    let content: Content;
    try {
      content = await this.readTicket(ticketId);
    } catch (err) {
      if (err instanceof TicketNotFound) return [];
      throw err;
    }
    return content.ticket.tags.includes(this.config.watchTag) ? [tagged(await this.snapshot(content), now)] : [];
  }
}

function parseEvent<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidWebhook('bad_shape', `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'}`, 400);
  }
  return parsed.data;
}

function heldKey(ticketId: string, commentId: string): string {
  return `${ticketId}\u0000${commentId}`;
}

/** The same text but for spacing and line ends (an event's copy and the ticket's description may differ in those). */
function sameText(a: string, b: string): boolean {
  const norm = (t: string) => t.replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}

function header(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/**
 * One id per ticket: the webhook and the poller both say "this ticket is tagged". A deliberate re-open (the watch tag
 * added again) adds the id of its Zendesk event: it is not a duplicate of the first tagging.
 */
function tagged(ticket: TicketSnapshot, now: number, past?: EventOf<'ticketTagged'>['past'], reopenEventId?: string): EventOf<'ticketTagged'> {
  const id = `${SYSTEM}:${ticket.id}:tagged${reopenEventId !== undefined ? `:${reopenEventId}` : ''}`;
  return { type: 'ticketTagged', id, at: now, ticket, ...(past ? { past } : {}) };
}

function commentAdded(ticketId: string, c: TicketComment, now: number): EventOf<'commentAdded'> {
  return { type: 'commentAdded', id: `${SYSTEM}:${ticketId}:comment:${c.id}`, at: now, commentId: c.id, authorId: c.authorId, authorRole: c.authorRole, public: c.public };
}

/** The requester's locale, when Zendesk's value has the shape of one: the language the bot replies in. */
function localeOf(user: ZendeskUser): { locale?: string } {
  const locale = normaliseLocale(user.locale);
  return locale !== undefined ? { locale } : {};
}
