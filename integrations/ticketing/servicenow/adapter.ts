import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { firstMessageExcerpt, normaliseLocale, type ActorRole, type EventOf, type TicketSnapshot } from '../../../workflows/resync/index.js';
import { InvalidWebhook, TicketNotFound } from '../errors.js';
import { escalationTargetOf } from '../escalation-target.js';
import type { StoredEvent, TicketComment, TicketEvents, TicketSummary, TicketSystem, TicketUpdate, WebhookRequest } from '../ticket-system.js';
import { deliveryIdOf, webhookBodyFields } from '../webhook-body.js';
import { refuseUnlessFresh } from '../webhook-freshness.js';
import { ServiceNowAccountLimiter } from './account-limiter.js';
import { SYSTEM, ServiceNowClient, type IncidentPatch } from './client.js';
import type { ServiceNowConfig } from './config.js';
import { botPast, othersWithAnswered } from '../bot-trail.js';
import { botTagChanges, commentMarker, hashtags, hasMarker, markersIn, roundFields, roundMarkIn, tagLine, withMarks } from './journal-marks.js';
import { NotificationSchema, glideTimeMs, type Incident, type JournalEntry, type Notification, type SysUser } from './schemas.js';
import { ServiceNowRequestRefused } from './servicenow-errors.js';
import { StateChoices } from './state-choices.js';
import { SIGNATURE_HEADER, serviceNowSignatureMatches } from './webhook-signature.js';

export interface ServiceNowAdapterOptions {
  config: ServiceNowConfig;
  redis: Redis;
  /** REDIS_PREFIX: the limiter and the update-attempt records live under it */
  prefix: string;
  /** the limiter's window (default one minute: SERVICENOW_RATE_LIMIT_PER_MIN is per minute) */
  rateWindowMs?: number;
  /** the longest a request waits for the shared limit here (default 10 s) */
  maxRateWaitMs?: number;
  retryBaseDelayMs?: number;
  /** a notification signed longer ago than this is refused as a possible replay (default 5 min) */
  maxWebhookAgeMs?: number;
  /** the longest the intake's calls wait for the shared pause or budget (default 2 s), then 503 with Retry-After */
  webhookMaxRateWaitMs?: number;
  now?: () => number;
}

/** An update attempt is remembered this long, so a retry days later still looks before it posts. */
const ATTEMPT_TTL_S = 7 * 86_400;
/** Journal entries a notification's read brought, held for the transition that reads them next. */
const HELD_COMMENTS = { max: 10_000, ttl: 5 * 60_000 };
const CACHE_SIZE = 10_000;
/** An admin may change a user's User ID or email: a user record is read again after this long. */
const USER_TTL_MS = 10 * 60_000;

type Content = { incident: Incident; caller: SysUser | undefined };

/**
 * ServiceNow ITSM incidents behind the `TicketSystem` interface, through the Table API. A notification (the README's
 * Business Rule) names the incident and carries what the rule already had (state, category, caller, who updated it);
 * the journal (sys_journal_field) is read for what was written, and is the truth.
 */
export class ServiceNowAdapter implements TicketSystem {
  readonly name = SYSTEM;
  /** sys_updated_on is to the second, on the instance's clock */
  readonly pollSettleMs = 5_000;
  /** a notification names the incident: its journal is read from the API */
  readonly webhookEventsCallApi = true;
  readonly pollIntervalS: number;
  readonly limiter: ServiceNowAccountLimiter;
  private readonly client: ServiceNowClient;
  private readonly config: ServiceNowConfig;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly maxWebhookAgeMs: number;
  private readonly webhookMaxRateWaitMs: number;
  private botName: Promise<string> | undefined;
  /** The bot's user_name once known (OAuth: after its first read), for checks that make no call. */
  private resolvedBot: string | undefined;
  private choices: Promise<StateChoices> | undefined;
  /** caller sys_id → the caller's user record (what the desk vouches for: user_name, email, name), read again after a while */
  private readonly users = new LRUCache<string, SysUser>({ max: CACHE_SIZE, ttl: USER_TTL_MS });
  /** incident sys_id → its caller's sys_id, from this process's last read or notification of it */
  private readonly callers = new LRUCache<string, string>({ max: CACHE_SIZE });
  /** journal entries as the notification's read found them: text stays in this process's memory, minutes at most */
  private readonly held = new LRUCache<string, TicketComment>(HELD_COMMENTS);

  constructor(opts: ServiceNowAdapterOptions) {
    this.config = opts.config;
    this.pollIntervalS = opts.config.pollIntervalS;
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.maxWebhookAgeMs = opts.maxWebhookAgeMs ?? 5 * 60_000;
    this.webhookMaxRateWaitMs = opts.webhookMaxRateWaitMs ?? 2_000;
    this.limiter = new ServiceNowAccountLimiter({
      redis: opts.redis,
      prefix: opts.prefix,
      account: opts.config.instanceUrl,
      perWindow: opts.config.rateLimitPerMin,
      ...(opts.rateWindowMs !== undefined ? { windowMs: opts.rateWindowMs } : {}),
      ...(opts.maxRateWaitMs !== undefined ? { maxWaitMs: opts.maxRateWaitMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.client = new ServiceNowClient({
      instanceUrl: opts.config.instanceUrl,
      credentials: opts.config.credentials,
      limiter: this.limiter,
      timeoutMs: opts.config.timeoutMs,
      retries: opts.config.retries,
      ...(opts.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: opts.retryBaseDelayMs } : {}),
      ...(opts.maxRateWaitMs !== undefined ? { maxRetryAfterMs: opts.maxRateWaitMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    if (opts.config.credentials.kind === 'basic') {
      this.resolvedBot = opts.config.credentials.user;
      this.botName = Promise.resolve(this.resolvedBot);
    }
  }

  async getTicket(ticketId: string): Promise<TicketSnapshot & { updatedAt: number }> {
    const content = await this.readIncident(ticketId);
    const journal = await this.client.journal(ticketId);
    const bot = await this.botUserName();
    return { ...(await this.snapshot(content, this.tagsOf(content.incident, journal, content.caller, bot))), updatedAt: glideTimeMs(content.incident.sys_updated_on) };
  }

  async listComments(ticketId: string): Promise<TicketComment[]> {
    const caller = await this.callerOf(ticketId);
    const bot = await this.botUserName();
    return (await this.client.journal(ticketId)).map((e) => toComment(e, caller, bot));
  }

  /** The entry as the notification's read found it, when this process read it; otherwise the journal once. */
  async getComment(ticketId: string, commentId: string): Promise<TicketComment> {
    const held = this.held.get(heldKey(ticketId, commentId));
    if (held) return held;
    const comment = (await this.listComments(ticketId)).find((c) => c.id === commentId);
    if (!comment) throw new TicketNotFound(SYSTEM, `${ticketId} (journal entry ${commentId})`);
    return comment;
  }

  /**
   * One workflow step as one PATCH: the public reply as Additional comments, the internal note (with the step's tag
   * changes) as Work notes, the state from the instance's choices and the escalation group, all in one update, which
   * ServiceNow applies whole. Each entry carries a marker of the idempotency key; a key seen before means an earlier try
   * may have written, so the journal is searched for the markers first and what is there is not written again.
   */
  async applyUpdate(ticketId: string, update: TicketUpdate, idempotencyKey: string): Promise<void> {
    const tags = tagLine(update.addTags, update.removeTags);
    const group = update.escalate ? (update.escalateTo !== undefined ? escalationTargetOf(SYSTEM, update.escalateTo).toLowerCase() : this.config.escalationGroupSysId) : undefined;
    const fields: IncidentPatch = {
      ...(update.status !== undefined ? (await this.stateChoices()).patchFor(update.status) : {}),
      ...(group !== undefined ? { assignment_group: group } : {}),
    };
    const ends = update.ends === true;
    // The tag line rides on the note; a step without one carries it on its reply, and only a step with neither writes a
    // work note of its own: a step stays one entry per comment it asked for.
    const tagsOnReply = !update.internalNote && update.publicReply ? tags : undefined;
    const journal: IncidentPatch = {
      ...(update.publicReply ? { comments: withMarks(update.publicReply, idempotencyKey, 'reply', { tags: tagsOnReply, ends }) } : {}),
      ...(update.internalNote || (tags !== undefined && tagsOnReply === undefined) ? { work_notes: withMarks(update.internalNote ?? '', idempotencyKey, 'note', { tags, ends }) } : {}),
    };
    if (Object.keys(fields).length === 0 && Object.keys(journal).length === 0) return;
    if (journal.comments !== undefined || journal.work_notes !== undefined) {
      const attemptKey = `${this.prefix}:servicenow:attempted:${createHash('sha256').update(`${ticketId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
      const first = await this.redis.set(attemptKey, '1', 'EX', ATTEMPT_TTL_S, 'NX');
      if (first === null) {
        const there = await this.markersOn(ticketId);
        if (there.has(commentMarker(idempotencyKey, 'reply'))) delete journal.comments;
        if (there.has(commentMarker(idempotencyKey, 'note'))) delete journal.work_notes;
      }
    }
    const writes = journal.comments !== undefined || journal.work_notes !== undefined;
    if (!writes && Object.keys(fields).length === 0) return;
    // A journal entry is retried only when nothing reached ServiceNow; the fields alone end the same however often sent.
    const incident = await this.client.updateIncident(ticketId, { ...journal, ...fields }, writes ? 'unsent' : 'always');
    if (incident.caller_id) this.callers.set(ticketId, incident.caller_id);
  }

  /** The notification's id from the signed body; none for the bot's own updates, which make no events. */
  webhookDeliveryId(req: WebhookRequest): string | undefined {
    const body = webhookBodyFields(req);
    if (typeof body?.sys_updated_by === 'string' && this.isKnownBot(body.sys_updated_by)) return undefined;
    return deliveryIdOf(body?.delivery_id);
  }

  verifyWebhook(req: WebhookRequest, now: number): void {
    const signature = header(req, SIGNATURE_HEADER);
    if (signature === undefined) throw new InvalidWebhook('missing_signature', 'send X-ServiceNow-Signature: the Business Rule in the README signs every notification', 401);
    if (!serviceNowSignatureMatches(this.config.webhookSecret, req.rawBody, signature)) {
      throw new InvalidWebhook('bad_signature', 'X-ServiceNow-Signature does not match the body: check SERVICENOW_WEBHOOK_SECRET equals the system property twofa_desk.webhook_secret', 401);
    }
    const sentAt = Number(webhookBodyFields(req)?.sent_at);
    if (!Number.isFinite(sentAt) || sentAt <= 0) throw new InvalidWebhook('stale_timestamp', 'the signed body has no sent_at (ms since the epoch): use the Business Rule of the README', 401);
    refuseUnlessFresh(sentAt, now, this.maxWebhookAgeMs);
  }

  /** For the intake: its calls wait at most `webhookMaxRateWaitMs` for the shared pause or budget, then 503 with Retry-After. */
  eventsFromWebhook(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    return this.limiter.withMaxWait(this.webhookMaxRateWaitMs, () => this.eventsOfNotification(req, now));
  }

  async listWatchedTickets(): Promise<TicketSummary[]> {
    const resolved = (await this.stateChoices()).patchFor('solved').state;
    const found = await this.client.listIncidents(`${this.watchQuery()}^active=true^state!=${resolved}^ORDERBYsys_updated_on`);
    return found.map((i) => ({ id: i.sys_id, updatedAt: glideTimeMs(i.sys_updated_on) }));
  }

  async eventsFromTicket(ticketId: string, now: number): Promise<StoredEvent[]> {
    const content = await this.readIncident(ticketId);
    const journal = await this.client.journal(ticketId);
    const bot = await this.botUserName();
    const comments = journal.map((e) => toComment(e, content.caller, bot));
    const events: StoredEvent[] = [];
    if (this.watches(content.incident)) {
      const snap = await this.snapshot(content, this.tagsOf(content.incident, journal, content.caller, bot));
      events.push(tagged(snap, now, botPast(comments)));
    }
    // read from the incident's history: a comment the bot answered since says so (a rebuilt workflow does not answer twice)
    const answered = new Set(othersWithAnswered(comments).filter((c) => c.answered).map((c) => c.comment.id));
    const fromJournal = this.journalEvents(ticketId, journal, comments, { incident: content.incident, caller: content.caller, bot }, now);
    return [...events, ...fromJournal.map((e) => (e.type === 'commentAdded' && answered.has(e.commentId) ? { ...e, answered: true } : e))];
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private async eventsOfNotification(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    let json: unknown;
    try {
      json = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new InvalidWebhook('bad_json', 'the body is not JSON', 400);
    }
    const parsed = NotificationSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidWebhook('bad_shape', `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'} (the README's Business Rule sends the expected body)`, 400);
    }
    const n = parsed.data;
    const ticketId = n.sys_id;
    const bot = await this.botUserName();
    // The bot's own update: nothing for the workflow, and no call to learn it.
    if (sameUser(n.sys_updated_by, bot)) return [];
    if (n.caller_id) this.callers.set(ticketId, n.caller_id);
    const events = n.operation === 'insert' ? await this.insertEvents(n, now) : await this.updateEvents(n, bot, now);
    return events.length > 0 ? [{ ticketId, events }] : [];
  }

  /** A new incident in the watched category: tagged, from the notification and the caller's user record. */
  private async insertEvents(n: Notification, now: number): Promise<StoredEvent[]> {
    if (!this.watches(n)) return [];
    const caller = await this.user(n.caller_id);
    const status = (await this.stateChoices()).toStatus(n.state, n.hold_reason);
    return [tagged(this.snapshotOf(n, status, [this.config.watchTag], caller), now)];
  }

  /**
   * An update by someone else than the bot. Out of the watched category now: the watch tag removed (an agent handing it
   * off). Watched: the journal is read once; its entries by others become comment (and hashtag) events, and the state
   * a status event (inert unless an agent resolved or closed it).
   */
  private async updateEvents(n: Notification, bot: string, now: number): Promise<StoredEvent[]> {
    const ticketId = n.sys_id;
    const caller = await this.user(n.caller_id);
    const byRole = roleOf(n.sys_updated_by, caller);
    if (!this.watches(n)) {
      return [{ type: 'tagsChanged', id: `${SYSTEM}:${ticketId}:unwatched:${n.sys_updated_on}`, at: now, tags: [], added: [], removed: [this.config.watchTag], byRole }];
    }
    let journal: JournalEntry[];
    try {
      journal = await this.client.journal(ticketId);
    } catch (err) {
      if (err instanceof TicketNotFound) return [];
      throw err;
    }
    const comments = journal.map((e) => toComment(e, caller, bot));
    for (const c of comments) if (c.authorRole !== 'bot') this.held.set(heldKey(ticketId, c.id), c);
    const choices = await this.stateChoices();
    const status = choices.toStatus(n.state, n.hold_reason);
    const incident = { category: n.category, subcategory: n.subcategory };
    const snap = this.snapshotOf(n, status, this.tagsOf(incident, journal, caller, bot), caller);
    const past = botPast(comments);
    return [
      ...this.journalEvents(ticketId, journal, comments, { incident, caller, bot }, now),
      tagged(snap, now, past),
      { type: 'statusChanged', id: `${SYSTEM}:${ticketId}:status:${n.state}:${n.sys_updated_on}`, at: now, status, byRole },
    ];
  }

  /** Comment events for the entries of others, and a tag event for each entry of an agent that carries hashtags. */
  private journalEvents(
    ticketId: string,
    journal: JournalEntry[],
    comments: TicketComment[],
    on: { incident: Pick<Incident, 'category' | 'subcategory'>; caller: SysUser | undefined; bot: string },
    now: number,
  ): StoredEvent[] {
    const events: StoredEvent[] = [];
    for (const [i, c] of comments.entries()) {
      if (c.authorRole === 'bot') continue;
      events.push(commentAdded(ticketId, c, now));
      const entry = journal[i];
      const added = c.authorRole === 'agent' && entry ? hashtags(entry.value) : [];
      if (added.length > 0) {
        const tags = this.tagsOf(on.incident, journal.slice(0, i + 1), on.caller, on.bot);
        events.push({ type: 'tagsChanged', id: `${SYSTEM}:${ticketId}:tags:${c.id}`, at: now, tags, added, removed: [], byRole: 'agent' });
      }
    }
    return events;
  }

  /**
   * The incident's tags: the watch tag while it is in the watched category, then the bot's tag lines and agents'
   * hashtags (never the caller's: a tag hands the bot instructions), oldest first.
   */
  private tagsOf(incident: Pick<Incident, 'category' | 'subcategory'>, journal: JournalEntry[], caller: SysUser | undefined, bot: string): string[] {
    const tags = new Set<string>(this.watches(incident) ? [this.config.watchTag] : []);
    for (const e of journal) {
      const role = toComment(e, caller, bot).authorRole;
      if (role === 'bot') {
        const { added, removed } = botTagChanges(e.value);
        for (const t of added) tags.add(t);
        for (const t of removed) tags.delete(t);
      } else if (role === 'agent') {
        for (const t of hashtags(e.value)) tags.add(t);
      }
    }
    return [...tags];
  }

  private watches(i: Pick<Incident, 'category' | 'subcategory'>): boolean {
    const { watchCategory, watchSubcategory } = this.config;
    return i.category === watchCategory && (watchSubcategory === undefined || i.subcategory === watchSubcategory);
  }

  private watchQuery(): string {
    const { watchCategory, watchSubcategory } = this.config;
    return `category=${watchCategory}${watchSubcategory !== undefined ? `^subcategory=${watchSubcategory}` : ''}`;
  }

  private async snapshot(content: Content, tags: string[]): Promise<TicketSnapshot> {
    const { incident, caller } = content;
    return this.snapshotOf(incident, (await this.stateChoices()).toStatus(incident.state, incident.hold_reason), tags, caller);
  }

  /**
   * The requester is the incident's caller as its sys_user record has it: user_name, email, name and Language set by
   * admins, SSO or the caller's own profile. The description is the caller's first message, read for its language only.
   */
  private snapshotOf(
    incident: Pick<Incident, 'sys_id' | 'short_description' | 'description'>,
    status: TicketSnapshot['status'],
    tags: string[],
    caller: SysUser | undefined,
  ): TicketSnapshot {
    const locale = normaliseLocale(caller?.preferred_language);
    const description = firstMessageExcerpt(incident.description ?? '').trim();
    return {
      system: SYSTEM,
      id: incident.sys_id,
      subject: incident.short_description,
      ...(description ? { description } : {}),
      status,
      tags,
      requester: caller
        ? {
            id: caller.sys_id,
            ...(caller.name ? { name: caller.name } : {}),
            ...(caller.email ? { email: caller.email } : {}),
            ...(caller.user_name ? { externalId: caller.user_name } : {}),
            ...(locale !== undefined ? { locale } : {}),
          }
        : { id: 'no-caller' },
    };
  }

  private async readIncident(ticketId: string): Promise<Content> {
    const incident = await this.client.getIncident(ticketId);
    if (incident.caller_id) this.callers.set(ticketId, incident.caller_id);
    return { incident, caller: await this.user(incident.caller_id) };
  }

  private async callerOf(ticketId: string): Promise<SysUser | undefined> {
    const known = this.callers.get(ticketId);
    return known !== undefined ? this.user(known) : (await this.readIncident(ticketId)).caller;
  }

  /** A user record, read once per process (a caller with no record, or none at all: undefined). */
  private async user(sysId: string): Promise<SysUser | undefined> {
    if (!sysId) return undefined;
    const known = this.users.get(sysId);
    if (known) return known;
    let user: SysUser;
    try {
      user = await this.client.getUser(sysId);
    } catch (err) {
      // a caller deleted since (or hidden by an ACL) is no caller: the incident's requester is unknown
      if (err instanceof ServiceNowRequestRefused && err.status === 404) return undefined;
      throw err;
    }
    this.users.set(sysId, user);
    return user;
  }

  /** The bot's user_name: SERVICENOW_USER, or for OAuth the user the token acts as (read once). */
  private botUserName(): Promise<string> {
    this.botName ??= this.client.currentUser().then(
      (u) => (this.resolvedBot = u.user_name),
      (err: unknown) => {
        this.botName = undefined;
        throw err;
      },
    );
    return this.botName;
  }

  private isKnownBot(userName: string): boolean {
    return this.resolvedBot !== undefined && sameUser(userName, this.resolvedBot);
  }

  /** The instance's incident choices, read once per process; a failed read is tried again next time. */
  private stateChoices(): Promise<StateChoices> {
    this.choices ??= this.client.incidentChoices().then(
      (list) => new StateChoices(list),
      (err: unknown) => {
        this.choices = undefined;
        throw err;
      },
    );
    return this.choices;
  }

  /** The markers of the bot's entries on an incident: what an earlier try of an update already wrote. */
  private async markersOn(ticketId: string): Promise<Set<string>> {
    const bot = await this.botUserName();
    const found = new Set<string>();
    for (const e of await this.client.journal(ticketId)) {
      if (!sameUser(e.sys_created_by, bot)) continue;
      for (const m of markersIn(e.value)) found.add(m);
    }
    return found;
  }
}

/** user_name comparisons: ServiceNow's User ID is not case-sensitive at log-in. */
function sameUser(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Who made a change: the caller, the platform itself (scheduled jobs run as "system"), or any other person (an agent). */
function roleOf(userName: string, caller: SysUser | undefined): ActorRole {
  if (caller && sameUser(userName, caller.user_name)) return 'requester';
  if (userName === '' || userName.toLowerCase() === 'system') return 'system';
  return 'agent';
}

/**
 * A journal entry as a comment: Additional comments are public, Work notes internal. The bot is its user writing with
 * its marker (the same user without one is a person); the caller is the requester; anyone else an agent: the journal does
 * not carry roles, and another person speaking on the incident hands it to people (the safe side).
 */
function toComment(e: JournalEntry, caller: SysUser | undefined, bot: string): TicketComment {
  const authorRole: ActorRole = sameUser(e.sys_created_by, bot) && hasMarker(e.value) ? 'bot' : caller && sameUser(e.sys_created_by, caller.user_name) ? 'requester' : 'agent';
  const round = authorRole === 'bot' ? roundFields(roundMarkIn(e.value)) : {};
  // the caller by the sys_id the snapshot gives the requester; others by the user_name the journal records
  const authorId = authorRole === 'requester' && caller ? caller.sys_id : e.sys_created_by || 'unknown';
  return { id: e.sys_id, authorId, authorRole, public: e.element === 'comments', body: e.value, createdAt: glideTimeMs(e.sys_created_on), ...round };
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
