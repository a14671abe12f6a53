import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { ActorRole, EventOf, TicketSnapshot } from '../../../workflows/resync/index.js';
import { InvalidWebhook, TicketNotFound } from '../errors.js';
import { escalationTargetOf } from '../escalation-target.js';
import type { StoredEvent, TicketComment, TicketEvents, TicketSummary, TicketSystem, TicketUpdate, WebhookRequest } from '../ticket-system.js';
import { deliveryIdOf, webhookBodyFields } from '../webhook-body.js';
import { refuseUnlessFresh } from '../webhook-freshness.js';
import { RtClient, SYSTEM, type RtTicketChanges } from './client.js';
import { botPast, othersWithAnswered } from '../bot-trail.js';
import { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn, withMarker, type CommentPart } from '../comment-marker.js';
import type { RtConfig } from './config.js';
import { RtRequestRefused } from './rt-errors.js';
import { RtLimiter } from './rt-limiter.js';
import { RtNotificationSchema, type RtTicket, type RtTransaction, type RtUser } from './schemas.js';
import { statusFromRt, statusToRt, textsByTransaction } from './ticket-text.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, parseRtTimestamp, rtSignatureMatches } from './webhook-signature.js';

export interface RtAdapterOptions {
  config: RtConfig;
  redis: Redis;
  /** REDIS_PREFIX: the limiter and the update-attempt records live under it */
  prefix: string;
  /** the policy's watch tag: what a watched RT ticket reports among its tags */
  watchTag: string;
  maxRateWaitMs?: number;
  retryBaseDelayMs?: number;
  /** a notification signed longer ago than this is refused as a possible replay (default 5 min) */
  maxWebhookAgeMs?: number;
  /** the longest the intake's calls wait for the shared budget (default 2 s): RT's request waits for the answer */
  webhookMaxRateWaitMs?: number;
  /** told of every HTTP request (for counting API calls) */
  onRequest?: (method: string, path: string) => void;
  now?: () => number;
}

const ATTEMPT_TTL_S = 7 * 86_400;
/** Messages read with a ticket, held for the transition that reads them next (in memory only: they may hold codes). */
const HELD_COMMENTS = { max: 10_000, ttl: 5 * 60_000 };
const USERS = { max: 10_000, ttl: 10 * 60_000 };
/** Message texts by transaction id (an RT message never changes): read once per process; in memory only (codes). */
const TEXTS = { max: 20_000, ttl: 10 * 60_000 };
/**
 * A ticket read this recently stands for it when a step's end markers are worked out (one drain: the read that
 * brought the event, the transition, the write), instead of a second read. The bot's own writes drop it.
 */
const FRESH_TICKET_MS = 5_000;
/** A notification whose transaction the ticket's history does not show yet is read again once, this much later. */
const NOTIFIED_REREAD_MS = 1_000;
/** The poller's TicketSQL looks back this much further than its last listing (RT's stamps are to the second). */
const LOOKBACK_MARGIN_S = 60;
/** A full listing (no LastUpdated limit) at least this often, whatever happened in between. */
const FULL_LISTING_EVERY_MS = 60 * 60_000;

type Content = { ticket: RtTicket; history: RtTransaction[]; texts: Map<string, string> };
type Profile = Pick<RtUser, 'Name' | 'RealName' | 'EmailAddress'>;

/**
 * Request Tracker 5 behind the `TicketSystem` interface. RT has no tags: a ticket is a 2FA issue when it is in RT_QUEUE
 * and, with RT_WATCH_FIELD, that custom field holds RT_WATCH_VALUE; the field's other values are the ticket's tags
 * (the bot's end markers, an agent's 2fa_bot_off). The poller (TicketSQL on LastUpdated) is the intake; the Scrip's
 * signed notification only names the ticket, whose history is read from the API, the truth.
 */
export class RtAdapter implements TicketSystem {
  readonly name = SYSTEM;
  /** RT's LastUpdated is to the second */
  readonly pollSettleMs = 5_000;
  readonly webhookEventsCallApi = true;
  readonly pollIntervalS: number;
  readonly limiter: RtLimiter;
  private readonly client: RtClient;
  private readonly config: RtConfig;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly watchTag: string;
  private readonly bot: string;
  private readonly maxWebhookAgeMs: number;
  private readonly webhookMaxRateWaitMs: number;
  private readonly now: () => number;
  private readonly users = new LRUCache<string, RtUser>(USERS);
  private readonly held = new LRUCache<string, TicketComment>(HELD_COMMENTS);
  private readonly texts = new LRUCache<string, string>(TEXTS);
  /** users' names, addresses and real names as the transactions' authors came with them (no Privileged: see RtCreatorSchema) */
  private readonly profiles = new LRUCache<string, Profile>(USERS);
  private readonly recentTickets = new LRUCache<string, RtTicket>({ max: 10_000, ttl: FRESH_TICKET_MS });
  /** ticket id → the transactions the last eventsFromTicket in this process read: a notification of one brings nothing new */
  private readonly readTxns = new LRUCache<string, ReadonlySet<string>>({ max: 10_000, ttl: 10 * 60_000 });
  /** the reads of a ticket for events under way: a notification that comes meanwhile waits for it */
  private readonly reading = new Map<string, Promise<StoredEvent[]>>();
  /** ticket id → its first requestor's name, from the last read in this process */
  private readonly requesters = new LRUCache<string, string>({ max: 10_000 });
  private queueIds = new Map<string, Promise<string>>();
  private lastListing: { at: number; fullAt: number } | undefined;

  constructor(opts: RtAdapterOptions) {
    this.config = opts.config;
    this.pollIntervalS = opts.config.pollIntervalS;
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.watchTag = opts.watchTag.toLowerCase();
    this.bot = opts.config.credentials.user.toLowerCase();
    this.maxWebhookAgeMs = opts.maxWebhookAgeMs ?? 5 * 60_000;
    this.webhookMaxRateWaitMs = opts.webhookMaxRateWaitMs ?? 2_000;
    this.now = opts.now ?? Date.now;
    this.limiter = new RtLimiter({
      redis: opts.redis,
      prefix: opts.prefix,
      account: opts.config.baseUrl,
      perMinute: opts.config.rateLimitPerMin,
      ...(opts.maxRateWaitMs !== undefined ? { maxWaitMs: opts.maxRateWaitMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.client = new RtClient({
      baseUrl: opts.config.baseUrl,
      credentials: opts.config.credentials,
      limiter: this.limiter,
      timeoutMs: opts.config.timeoutMs,
      retries: opts.config.retries,
      ...(opts.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: opts.retryBaseDelayMs } : {}),
      ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  }

  async getTicket(ticketId: string): Promise<TicketSnapshot & { updatedAt: number }> {
    const ticket = await this.readTicket(ticketId);
    return { ...(await this.snapshot(ticket)), updatedAt: Date.parse(ticket.LastUpdated) };
  }

  async listComments(ticketId: string): Promise<TicketComment[]> {
    return this.commentsOf(await this.readContent(ticketId));
  }

  /**
   * The message as the last read of its ticket in this process held it (the usual case: the poller or the notification
   * read the ticket just before); otherwise found among the ticket's messages. Not /transaction/{id}: RT 5.0.3 answers
   * 500, not 404, for a transaction that does not exist.
   */
  async getComment(ticketId: string, commentId: string): Promise<TicketComment> {
    const held = this.held.get(heldKey(ticketId, commentId));
    if (held) return held;
    const found = (await this.listComments(ticketId)).find((c) => c.id === commentId);
    if (!found) throw new TicketNotFound(SYSTEM, `${ticketId} (message ${commentId})`);
    return found;
  }

  /**
   * One workflow step: the internal note as an RT comment, the public reply as a correspondence (mailed to the
   * requestors), each with a marker of the idempotency key; the status, the end markers (custom field values) and the
   * escalation (queue, owner) ride on the last message, or go as one PUT. A key seen before means an earlier try may
   * have posted: the bot's messages on the ticket are searched for the markers first. RT answers 200 even when it
   * refuses a change, so the answer's messages are checked, and the ticket read when they do not say it was done.
   */
  async applyUpdate(ticketId: string, update: TicketUpdate, idempotencyKey: string): Promise<void> {
    const messages: Array<{ part: CommentPart; kind: 'comment' | 'correspond'; body: string }> = [];
    if (update.internalNote) messages.push({ part: 'note', kind: 'comment', body: update.internalNote });
    if (update.publicReply) messages.push({ part: 'reply', kind: 'correspond', body: update.publicReply });
    const changes = await this.changesFor(ticketId, update);
    const hasChanges = Object.keys(changes).length > 0;
    if (messages.length === 0 && !hasChanges) return;
    this.recentTickets.delete(ticketId);

    let posted = new Set<string>();
    if (messages.length > 0) {
      const attemptKey = `${this.prefix}:rt:attempted:${createHash('sha256').update(`${ticketId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
      const first = await this.redis.set(attemptKey, '1', 'EX', ATTEMPT_TTL_S, 'NX');
      if (first === null) posted = await this.markersOn(ticketId);
    }
    const pending = messages.filter((m) => !posted.has(commentMarker(idempotencyKey, m.part)));
    // A message carries Status and CustomFields only (RT::REST2::Resource::Message); a move or an owner needs a PUT,
    // which then carries the whole change.
    const rides = changes.Queue === undefined && changes.Owner === undefined;
    for (const [i, m] of pending.entries()) {
      const last = i === pending.length - 1 && rides;
      const body = withMarker(m.body, idempotencyKey, m.part, { ends: update.ends === true });
      const answer = await this.client.addMessage(ticketId, m.kind, body, last ? changes : {}).catch(async (err: unknown) => {
        // RT answers a message to a ticket that does not exist with 400 "Permission Denied": the ticket read tells which
        if (err instanceof RtRequestRefused && err.status === 400) await this.client.getTicket(ticketId);
        throw err;
      });
      // the text is known: the next read of the ticket need not fetch it (RT keeps a text/plain message as sent)
      if (answer.transactionId !== undefined) this.texts.set(answer.transactionId, body);
      if (last) await this.checkDone(ticketId, changes, answer.messages);
    }
    if ((pending.length === 0 || !rides) && hasChanges) await this.checkDone(ticketId, changes, await this.client.updateTicket(ticketId, changes));
  }

  verifyWebhook(req: WebhookRequest, now: number): void {
    const secret = this.config.webhookSecret;
    if (secret === undefined) throw new InvalidWebhook('missing_signature', 'RT_WEBHOOK_SECRET is not set here: notifications are refused (the poller still reads the tickets)', 401);
    const signature = header(req, SIGNATURE_HEADER);
    const timestamp = header(req, TIMESTAMP_HEADER);
    if (signature === undefined || timestamp === undefined) throw new InvalidWebhook('missing_signature', 'send both X-Twofa-RT-Signature and X-Twofa-RT-Timestamp (the README\'s Scrip does)', 401);
    if (!rtSignatureMatches(secret, timestamp, req.rawBody, signature)) {
      throw new InvalidWebhook('bad_signature', 'X-Twofa-RT-Signature does not match the body: check RT_WEBHOOK_SECRET is the Scrip\'s $TwofaDeskWebhookSecret', 401);
    }
    const sentAt = parseRtTimestamp(timestamp);
    if (sentAt === undefined) throw new InvalidWebhook('stale_timestamp', 'X-Twofa-RT-Timestamp is not seconds since the epoch', 401);
    refuseUnlessFresh(sentAt, now, this.maxWebhookAgeMs);
  }

  /** `delivery_id` of the signed body (the Scrip makes it of the transaction's id). */
  webhookDeliveryId(req: WebhookRequest): string | undefined {
    return deliveryIdOf(webhookBodyFields(req)?.delivery_id);
  }

  eventsFromWebhook(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    let json: unknown;
    try {
      json = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new InvalidWebhook('bad_json', 'the body is not JSON', 400);
    }
    const body = RtNotificationSchema.safeParse(json);
    if (!body.success) {
      const issue = body.error.issues[0];
      throw new InvalidWebhook('bad_shape', `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'} (the Scrip sends {"twofa_desk":"rt","ticket_id":…,"transaction_id":…,"delivery_id":…})`, 400);
    }
    const ticketId = String(body.data.ticket_id);
    const txn = String(body.data.transaction_id);
    return this.limiter.withMaxWait(this.webhookMaxRateWaitMs, async () => {
      try {
        // A change in several transactions (a mail reply and the status it reopens) sends one notification each: the
        // read for the first shows the others, which then cost no call.
        await this.reading.get(ticketId)?.catch(() => undefined);
        if (this.readTxns.get(ticketId)?.has(txn)) return [];
        let events = await this.eventsFromTicket(ticketId, now);
        if (!this.readTxns.get(ticketId)?.has(txn)) {
          // Not visible yet (RT posted before its database showed the change to other connections; or a transaction
          // the bot may not see): read once more a little later. The change stamps LastUpdated, so the poller finds
          // what this misses within RT_POLL_INTERVAL_S.
          await new Promise((r) => setTimeout(r, NOTIFIED_REREAD_MS));
          events = await this.eventsFromTicket(ticketId, now);
        }
        return events.length > 0 ? [{ ticketId, events }] : [];
      } catch (err) {
        if (err instanceof TicketNotFound) return [];
        throw err;
      }
    });
  }

  /**
   * The active tickets of RT_QUEUE (with the watch value), by TicketSQL. After the first listing only those changed
   * since the last one (and a margin): `LastUpdated > '-N seconds'`, a time RT reckons on its own clock. An absolute
   * date would be read in RT's time zone (America/New_York unless set), not UTC, and miss tickets.
   */
  async listWatchedTickets(): Promise<TicketSummary[]> {
    const startedAt = this.now();
    const since = this.lastListing && startedAt - this.lastListing.fullAt < FULL_LISTING_EVERY_MS ? this.lastListing : undefined;
    const lookBackS = since ? Math.ceil((startedAt - since.at) / 1000) + LOOKBACK_MARGIN_S : undefined;
    const found = await this.client.searchTickets(await this.watchQuery(lookBackS));
    this.lastListing = { at: startedAt, fullAt: since ? since.fullAt : startedAt };
    return found.map((t) => ({ id: t.id, updatedAt: Date.parse(t.LastUpdated) }));
  }

  /** The ticket's tagging and what its history holds that the workflow acts on (ids from RT's transaction ids). */
  eventsFromTicket(ticketId: string, now: number): Promise<StoredEvent[]> {
    const read = this.readEvents(ticketId, now);
    this.reading.set(ticketId, read);
    const done = () => {
      if (this.reading.get(ticketId) === read) this.reading.delete(ticketId);
    };
    read.then(done, done);
    return read;
  }

  private async readEvents(ticketId: string, now: number): Promise<StoredEvent[]> {
    const content = await this.readContent(ticketId);
    const { ticket, history } = content;
    const requester = requesterOf(ticket);
    const comments = await this.commentsOf(content);
    // the others' messages, each with whether a message of the bot's came after it (read back by a rebuilt workflow)
    const others = new Map(othersWithAnswered(comments).map((o) => [o.comment.id, o.answered]));
    const byId = new Map(comments.map((c) => [c.id, c]));
    const tags = this.tagsOf(ticket, await this.queueId(this.config.queue));
    const events: StoredEvent[] = [];
    if (tags.includes(this.watchTag)) events.push(tagged(await this.snapshot(ticket), now, botPast(comments)));
    const fieldId = this.watchFieldId(ticket);
    const queueId = await this.queueId(this.config.queue);
    for (const txn of history) {
      const c = byId.get(txn.id);
      if (c) {
        if (c.authorRole !== 'bot') events.push({ ...commentAdded(ticketId, c, now), ...(others.get(c.id) === true ? { answered: true } : {}), writtenAt: c.createdAt });
        continue;
      }
      if (isMessage(txn) || txn.Type === 'Create') continue;
      const byRole = await this.actorRole(txn.Creator.id, requester);
      if (byRole === 'bot') continue;
      const base = { id: `${SYSTEM}:${ticketId}:txn:${txn.id}`, at: now };
      if (txn.Type === 'CustomField' && fieldId !== undefined && txn.Field === fieldId) {
        const added = txn.NewValue ? [this.tagOf(txn.NewValue)] : [];
        const removed = txn.OldValue ? [this.tagOf(txn.OldValue)] : [];
        events.push({ type: 'tagsChanged', ...base, tags, added, removed, byRole });
      } else if (txn.Field === 'Queue' && txn.OldValue === queueId && txn.NewValue !== queueId) {
        events.push({ type: 'tagsChanged', ...base, tags, added: [], removed: [this.watchTag], byRole });
      } else if (txn.Type === 'Status' && byRole === 'agent') {
        events.push({ type: 'statusChanged', ...base, status: statusFromRt(txn.NewValue), byRole });
      }
    }
    this.readTxns.set(ticketId, new Set(history.map((t) => t.id)));
    return events;
  }

  async close(): Promise<void> {
    this.client.close();
  }

  /** Tells `fn` of every request this adapter sends to RT from now on (for counting: tests, benchmarks); returns the stop. */
  observeRequests(fn: (method: string, path: string) => void): () => void {
    return this.client.observe(fn);
  }

  /** The ticket's "tags": the watch tag when watched, and the watch field's other values, lower-cased. */
  tagsOf(ticket: RtTicket, watchedQueueId: string): string[] {
    const values = this.fieldValues(ticket);
    const inQueue = ticket.Queue.id === watchedQueueId;
    const value = this.config.watchValue?.toLowerCase();
    const watched = inQueue && (this.config.watchField === undefined || values.some((v) => v.toLowerCase() === value));
    const others = values.filter((v) => v.toLowerCase() !== value).map((v) => v.toLowerCase());
    return [...(watched ? [this.watchTag] : []), ...others];
  }

  private tagOf(value: string): string {
    return value.toLowerCase() === this.config.watchValue?.toLowerCase() ? this.watchTag : value.toLowerCase();
  }

  private fieldValues(ticket: RtTicket): string[] {
    const field = this.config.watchField?.toLowerCase();
    if (field === undefined) return [];
    return ticket.CustomFields.find((f) => f.name.toLowerCase() === field)?.values ?? [];
  }

  private watchFieldId(ticket: RtTicket): string | undefined {
    const field = this.config.watchField?.toLowerCase();
    return field === undefined ? undefined : ticket.CustomFields.find((f) => f.name.toLowerCase() === field)?.id;
  }

  private async watchQuery(lookBackS: number | undefined): Promise<string> {
    const parts = [`Queue = ${await this.queueId(this.config.queue)}`, `Status = '__Active__'`];
    if (this.config.watchField !== undefined && this.config.watchValue !== undefined) parts.push(`'CF.{${sqlText(this.config.watchField)}}' = '${sqlText(this.config.watchValue)}'`);
    if (lookBackS !== undefined) parts.push(`LastUpdated > '-${lookBackS} seconds'`);
    return parts.join(' AND ');
  }

  /** A queue's numeric id (tickets name their queue by id): read once per name. */
  queueId(nameOrId: string): Promise<string> {
    let id = this.queueIds.get(nameOrId);
    if (!id) {
      id = /^\d+$/.test(nameOrId) ? Promise.resolve(nameOrId) : this.client.getQueue(nameOrId).then((q) => q.id);
      id.catch(() => this.queueIds.delete(nameOrId));
      this.queueIds.set(nameOrId, id);
    }
    return id;
  }

  /** What the step changes on the ticket, in RT's fields; the end markers need the field's current values. */
  private async changesFor(ticketId: string, update: TicketUpdate): Promise<RtTicketChanges> {
    const changes: RtTicketChanges = {};
    if (update.status !== undefined) changes.Status = statusToRt(update.status);
    if (update.escalate) {
      const queue = update.escalateTo !== undefined ? escalationTargetOf(SYSTEM, update.escalateTo) : this.config.escalationQueue;
      if (queue !== undefined) changes.Queue = queue;
      if (this.config.escalationOwner !== undefined) changes.Owner = this.config.escalationOwner;
    }
    const field = this.config.watchField;
    if (field !== undefined && (update.addTags.length > 0 || update.removeTags.length > 0)) {
      const current = this.fieldValues(this.recentTickets.get(ticketId) ?? (await this.readTicket(ticketId)));
      const remove = new Set(update.removeTags.map((t) => (t.toLowerCase() === this.watchTag ? (this.config.watchValue ?? t) : t).toLowerCase()));
      const next = current.filter((v) => !remove.has(v.toLowerCase()));
      for (const t of update.addTags) if (!next.some((v) => v.toLowerCase() === t.toLowerCase())) next.push(t);
      if (next.length !== current.length || next.some((v, i) => v !== current[i])) changes.CustomFields = { [field]: next };
    }
    return changes;
  }

  /** RT's answer says every change was made, or the ticket shows it; otherwise the refusal goes up with RT's words. */
  private async checkDone(ticketId: string, changes: RtTicketChanges, answer: string[]): Promise<void> {
    if (confirmed(changes, answer)) return;
    const ticket = await this.readTicket(ticketId);
    const missing: string[] = [];
    if (changes.Status !== undefined && ticket.Status.toLowerCase() !== changes.Status) missing.push(`Status ${changes.Status}`);
    if (changes.Queue !== undefined && ticket.Queue.id !== (await this.queueId(changes.Queue).catch(() => undefined))) missing.push(`Queue ${changes.Queue}`);
    if (changes.Owner !== undefined && ticket.Owner.id.toLowerCase() !== changes.Owner.toLowerCase()) missing.push(`Owner ${changes.Owner}`);
    for (const [field, values] of Object.entries(changes.CustomFields ?? {})) {
      const now = (ticket.CustomFields.find((f) => f.name.toLowerCase() === field.toLowerCase())?.values ?? []).map((v) => v.toLowerCase());
      if (values.some((v) => !now.includes(v.toLowerCase()))) missing.push(`${field} ${values.join(', ')}`);
    }
    if (missing.length > 0) throw new RtRequestRefused(200, `the change of ticket ${ticketId} (${missing.join('; ')})`, answer.join(' | ').slice(0, 300) || 'no message');
  }

  private async readTicket(ticketId: string): Promise<RtTicket> {
    const ticket = await this.client.getTicket(ticketId);
    const requester = requesterOf(ticket);
    if (requester !== undefined) this.requesters.set(ticketId, requester);
    this.recentTickets.set(ticketId, ticket);
    return ticket;
  }

  /**
   * The ticket, its history (2 calls: RT may leave out what the bot cannot see, so the history is paged until an
   * empty page) and the texts of its messages not read before in this process: none (0 calls), one (its own
   * attachments, 1 call) or more (the ticket's attachments, paged until empty). 3 to 5 calls.
   */
  private async readContent(ticketId: string): Promise<Content> {
    const [ticket, history] = await Promise.all([this.readTicket(ticketId), this.client.history(ticketId)]);
    for (const txn of history) this.profiles.set(txn.Creator.id.toLowerCase(), { Name: txn.Creator.id, RealName: txn.Creator.RealName ?? null, EmailAddress: txn.Creator.EmailAddress ?? null });
    const messages = history.filter(isMessage);
    const unread = messages.filter((t) => !this.texts.has(t.id));
    const [only] = unread;
    const read = unread.length === 0 ? [] : unread.length === 1 && only ? await this.client.transactionAttachments(ticketId, only.id) : await this.client.attachments(ticketId);
    const found = textsByTransaction(read);
    // a message without text is not kept: it is read again next time
    for (const t of messages) {
      const text = found.get(t.id);
      if (text !== undefined) this.texts.set(t.id, text);
    }
    const texts = new Map(messages.map((t) => [t.id, this.texts.get(t.id) ?? found.get(t.id) ?? '']));
    return { ticket, history, texts };
  }

  /** The ticket's correspondence and comments (not its creation, which the tagging stands for), oldest first. */
  private async commentsOf({ ticket, history, texts }: Content): Promise<TicketComment[]> {
    const requester = requesterOf(ticket);
    const out: TicketComment[] = [];
    for (const txn of history) {
      if (!isMessage(txn)) continue;
      const c = await this.comment(txn, texts.get(txn.id) ?? '', requester);
      out.push(c);
      if (c.authorRole !== 'bot') this.held.set(heldKey(String(ticket.id), c.id), c);
    }
    return out;
  }

  private async comment(txn: RtTransaction, body: string, requester: string | undefined): Promise<TicketComment> {
    const author = txn.Creator.id;
    const authorRole: ActorRole = author.toLowerCase() === this.bot && hasMarker(body) ? 'bot' : await this.actorRole(author, requester, { botIsAgent: true });
    const round = authorRole === 'bot' ? roundFields(roundMarkIn(body)) : {};
    return { id: txn.id, authorId: author, authorRole, public: txn.Type === 'Correspond', body, createdAt: Date.parse(txn.Created), ...round };
  }

  /**
   * Who made a transaction: RT_System is RT itself; the bot's user is the bot (for a message only with its marker, else
   * a person using that account, an agent); the first requestor is the requester; other privileged users are staff.
   */
  private async actorRole(name: string, requester: string | undefined, opts: { botIsAgent?: boolean } = {}): Promise<ActorRole> {
    const lower = name.toLowerCase();
    if (lower === 'rt_system') return 'system';
    if (lower === this.bot) return opts.botIsAgent ? 'agent' : 'bot';
    if (requester !== undefined && lower === requester.toLowerCase()) return 'requester';
    return (await this.user(name)).Privileged ? 'agent' : 'end-user';
  }

  private async user(name: string): Promise<RtUser> {
    const key = name.toLowerCase();
    const known = this.users.get(key);
    if (known) return known;
    const user = await this.client.getUser(name);
    this.users.set(key, user);
    return user;
  }

  /**
   * The requester as RT vouches for it: its first requestor's user record (the address its mail came from), as a
   * transaction of theirs brought it along, or read.
   */
  private async snapshot(ticket: RtTicket): Promise<TicketSnapshot> {
    const name = requesterOf(ticket);
    const user: Profile | undefined = name === undefined ? undefined : (this.users.get(name.toLowerCase()) ?? this.profiles.get(name.toLowerCase()) ?? (await this.user(name)));
    return {
      system: SYSTEM,
      id: String(ticket.id),
      subject: ticket.Subject,
      status: statusFromRt(ticket.Status),
      tags: this.tagsOf(ticket, await this.queueId(this.config.queue)),
      requester: {
        id: user?.Name ?? name ?? 'nobody',
        ...(user?.RealName ? { name: user.RealName } : {}),
        ...(user?.EmailAddress ? { email: user.EmailAddress } : {}),
      },
    };
  }

  /** The markers of the bot's messages on a ticket: what an earlier try of an update already posted. */
  private async markersOn(ticketId: string): Promise<Set<string>> {
    const found = new Set<string>();
    for (const a of await this.client.attachments(ticketId)) {
      if (a.Creator !== undefined && a.Creator.toLowerCase() !== this.bot) continue;
      for (const m of markersIn(a.Content)) found.add(m);
    }
    return found;
  }
}

/**
 * RT's (English) answer confirms each change asked for: "Status changed from 'new' to 'resolved'" (or refuses one
 * already made: "You can't change status from 'stalled' to 'stalled'."), "Queue changed
 * from …", "Owner changed from …", "<value> added as a value for <field>" (the field's list is set whole; one change of it is enough). A change without its confirmation (refused,
 * ignored, or answered in another language) makes the adapter read the ticket to see what happened.
 */
function confirmed(changes: RtTicketChanges, answer: readonly string[]): boolean {
  const says = (re: RegExp) => answer.some((m) => re.test(m));
  // "You can't change status from 'stalled' to 'stalled'.": the ticket has the status already
  if (changes.Status !== undefined && !says(new RegExp(`\\bStatus changed from '[^']*' to '${changes.Status}'`)) && !says(new RegExp(`from '${changes.Status}' to '${changes.Status}'`))) return false;
  if (changes.Queue !== undefined && !says(/\bQueue changed from /)) return false;
  if (changes.Owner !== undefined && !says(/\bOwner changed from /)) return false;
  if (changes.CustomFields !== undefined && !says(/ (added as a value for|is no longer a value for) /)) return false;
  return true;
}

function isMessage(txn: RtTransaction): boolean {
  return txn.Type === 'Correspond' || txn.Type === 'Comment';
}

function requesterOf(ticket: RtTicket): string | undefined {
  return ticket.Requestor[0]?.id;
}

function heldKey(ticketId: string, commentId: string): string {
  return `${ticketId}\u0000${commentId}`;
}

/** A TicketSQL string literal: quotes and backslashes escaped. */
function sqlText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

function header(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** One id per ticket: the poller and the Scrip's notification both say "this ticket is watched". */
function tagged(ticket: TicketSnapshot, now: number, past?: EventOf<'ticketTagged'>['past']): EventOf<'ticketTagged'> {
  return { type: 'ticketTagged', id: `${SYSTEM}:${ticket.id}:tagged`, at: now, ticket, ...(past ? { past } : {}) };
}

function commentAdded(ticketId: string, c: TicketComment, now: number): EventOf<'commentAdded'> {
  return { type: 'commentAdded', id: `${SYSTEM}:${ticketId}:comment:${c.id}`, at: now, commentId: c.id, authorId: c.authorId, authorRole: c.authorRole, public: c.public };
}
