import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { ActorRole, EventOf, TicketSnapshot } from '../../../workflows/resync/index.js';
import { secretMatches } from '../../shared/hmac-signature.js';
import { botPast, othersWithAnswered } from '../bot-trail.js';
import { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn } from '../comment-marker.js';
import { InvalidWebhook, TicketNotFound } from '../errors.js';
import { escalationTargetOf } from '../escalation-target.js';
import { botTagChanges, hashtags, tagLine } from '../note-tags.js';
import type { StoredEvent, TicketComment, TicketEvents, TicketSummary, TicketSystem, TicketUpdate, WebhookRequest } from '../ticket-system.js';
import { deliveryIdOf, webhookBodyFields } from '../webhook-body.js';
import { ConnectWiseAccountLimiter } from './account-limiter.js';
import { BoardStatuses } from './board-statuses.js';
import { callbackSecretOf } from './callback-secret.js';
import { ConnectWiseClient, SYSTEM, type NewNote, type PatchOp } from './client.js';
import type { ConnectWiseConfig } from './config.js';
import { ConnectWiseRequestRefused } from './connectwise-errors.js';
import { noteBody } from './note-text.js';
import { isWatched, watchConditions } from './watch-filter.js';
import { CallbackSchema, cwTimeMs, type Contact, type Note, type Ticket } from './schemas.js';

export interface ConnectWiseAdapterOptions {
  config: ConnectWiseConfig;
  redis: Redis;
  /** REDIS_PREFIX: the limiter and the update-attempt records live under it */
  prefix: string;
  /** the limiter's window (default one minute: CONNECTWISE_RATE_LIMIT_PER_MIN is per minute) */
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
/** Notes a callback's read brought, held for the transition that reads them next. */
const HELD_COMMENTS = { max: 10_000, ttl: 5 * 60_000 };
const CACHE_SIZE = 10_000;
/** An admin may change a contact's email: a contact record is read again after this long. */
const CONTACT_TTL_MS = 10 * 60_000;

type Content = { ticket: Ticket; notes: Note[]; contact: Contact | undefined };

/**
 * ConnectWise PSA (Manage) service tickets behind the `TicketSystem` interface, through the REST API as one API member.
 * A ticket is the bot's while it is on CONNECTWISE_BOARD_ID (and of the watch type / subtype); its requester is the
 * ticket's contact as the contact record has it; its comments are the ticket's notes (Discussion and Resolution are
 * public, Internal is not). Callbacks only say that a ticket was saved: the ticket and its notes are read back.
 */
export class ConnectWiseAdapter implements TicketSystem {
  readonly name = SYSTEM;
  /** _info/lastUpdated is to the second, on the PSA's clock */
  readonly pollSettleMs = 5_000;
  /** a callback names the ticket: it is read from the API */
  readonly webhookEventsCallApi = true;
  readonly pollIntervalS: number;
  readonly limiter: ConnectWiseAccountLimiter;
  private readonly client: ConnectWiseClient;
  private readonly config: ConnectWiseConfig;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly webhookMaxRateWaitMs: number;
  /** board id → its statuses, read once per process (a failed read is tried again next time) */
  private readonly statuses = new Map<number, Promise<BoardStatuses>>();
  private escalationMember: Promise<number> | undefined;
  /** contact id → the contact record (what the PSA vouches for: name, default email), read again after a while */
  private readonly contacts = new LRUCache<number, Contact>({ max: CACHE_SIZE, ttl: CONTACT_TTL_MS });
  /** ticket id → its contact's id (0: none), from this process's last read of it */
  private readonly ticketContacts = new LRUCache<string, number>({ max: CACHE_SIZE });
  /** notes as a callback's read found them: text stays in this process's memory, minutes at most */
  private readonly held = new LRUCache<string, TicketComment>(HELD_COMMENTS);

  constructor(opts: ConnectWiseAdapterOptions) {
    this.config = opts.config;
    this.pollIntervalS = opts.config.pollIntervalS;
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.webhookMaxRateWaitMs = opts.webhookMaxRateWaitMs ?? 2_000;
    this.limiter = new ConnectWiseAccountLimiter({
      redis: opts.redis,
      prefix: opts.prefix,
      account: `${opts.config.site}#${opts.config.companyId.toLowerCase()}`,
      perWindow: opts.config.rateLimitPerMin,
      ...(opts.rateWindowMs !== undefined ? { windowMs: opts.rateWindowMs } : {}),
      ...(opts.maxRateWaitMs !== undefined ? { maxWaitMs: opts.maxRateWaitMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    const { companyId, publicKey, privateKey, clientId } = opts.config;
    this.client = new ConnectWiseClient({
      site: opts.config.site,
      credentials: { companyId, publicKey, privateKey, clientId },
      apiVersion: opts.config.apiVersion,
      limiter: this.limiter,
      timeoutMs: opts.config.timeoutMs,
      retries: opts.config.retries,
      ...(opts.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: opts.retryBaseDelayMs } : {}),
      ...(opts.maxRateWaitMs !== undefined ? { maxRetryAfterMs: opts.maxRateWaitMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  }

  async getTicket(ticketId: string): Promise<TicketSnapshot & { updatedAt: number }> {
    const content = await this.read(ticketId);
    return { ...(await this.snapshot(content)), updatedAt: cwTimeMs(content.ticket._info.lastUpdated) };
  }

  async listComments(ticketId: string): Promise<TicketComment[]> {
    const contactId = await this.contactIdOf(ticketId);
    return toComments(await this.client.notes(ticketId), contactId, this.config.apiMember);
  }

  /** The note as the callback's read found it, when this process read it; otherwise the notes once. */
  async getComment(ticketId: string, commentId: string): Promise<TicketComment> {
    const held = this.held.get(heldKey(ticketId, commentId));
    if (held) return held;
    const comment = (await this.listComments(ticketId)).find((c) => c.id === commentId);
    if (!comment) throw new TicketNotFound(SYSTEM, `${ticketId} (note ${commentId})`);
    return comment;
  }

  /**
   * One workflow step: the internal note (with the step's tag line) and the public reply as notes, then the status and
   * the escalation (board, team, owner) in one PATCH. Each note carries a marker of the idempotency key; a key seen
   * before means an earlier try may have written, so the notes are searched for the markers first and what is there
   * is not written again.
   */
  async applyUpdate(ticketId: string, update: TicketUpdate, idempotencyKey: string): Promise<void> {
    const tags = tagLine(update.addTags, update.removeTags);
    const ends = update.ends === true;
    // The tag line rides on the internal note; a step with only a reply carries it on the reply, and only a step with
    // neither writes an internal note of its own: a step stays one note per comment it asked for.
    const tagsOnReply = !update.internalNote && update.publicReply ? tags : undefined;
    const notes: Array<{ marker: string; note: NewNote }> = [];
    if (update.internalNote || (tags !== undefined && tagsOnReply === undefined)) {
      const text = noteBody(update.internalNote ?? '', idempotencyKey, 'note', { tags, ends });
      notes.push({ marker: commentMarker(idempotencyKey, 'note'), note: { text, detailDescriptionFlag: false, internalAnalysisFlag: true, resolutionFlag: false } });
    }
    if (update.publicReply) {
      const text = noteBody(update.publicReply, idempotencyKey, 'reply', { tags: tagsOnReply, ends });
      // the reply that solves the ticket is its Resolution too
      notes.push({ marker: commentMarker(idempotencyKey, 'reply'), note: { text, detailDescriptionFlag: true, internalAnalysisFlag: false, resolutionFlag: update.status === 'solved' } });
    }
    const ops = await this.patchFor(update);
    if (notes.length === 0 && ops.length === 0) return;
    let there = new Set<string>();
    if (notes.length > 0) {
      const attemptKey = `${this.prefix}:connectwise:attempted:${createHash('sha256').update(`${ticketId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
      const first = await this.redis.set(attemptKey, '1', 'EX', ATTEMPT_TTL_S, 'NX');
      if (first === null) there = await this.markersOn(ticketId);
    }
    // A note is retried only when nothing reached ConnectWise; the PATCH ends the same however often sent.
    for (const n of notes) if (!there.has(n.marker)) await this.client.addNote(ticketId, n.note, 'unsent');
    if (ops.length > 0) this.remember(await this.client.patchTicket(ticketId, ops));
  }

  /** The callback's MessageId. */
  webhookDeliveryId(req: WebhookRequest): string | undefined {
    return deliveryIdOf(webhookBodyFields(req)?.MessageId);
  }

  /** Callbacks are not signed: the URL they are posted to carries CONNECTWISE_CALLBACK_SECRET (`?secret=…`). */
  verifyWebhook(req: WebhookRequest): void {
    const given = callbackSecretOf(req.url);
    if (given === undefined) throw new InvalidWebhook('missing_signature', 'the callback URL carries no ?secret=: register the URL "twofa-desk connectwise check" shows', 401);
    if (!secretMatches(this.config.callbackSecret, given)) {
      throw new InvalidWebhook('bad_signature', "the callback URL's secret is not CONNECTWISE_CALLBACK_SECRET: register the URL again with the current secret", 401);
    }
  }

  /** For the intake: its calls wait at most `webhookMaxRateWaitMs` for the shared pause or budget, then 503 with Retry-After. */
  eventsFromWebhook(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    return this.limiter.withMaxWait(this.webhookMaxRateWaitMs, () => this.eventsOfCallback(req, now));
  }

  async listWatchedTickets(): Promise<TicketSummary[]> {
    const solved = (await this.boardStatuses(this.config.boardId)).idFor('solved');
    const found = await this.client.listTickets(`${watchConditions(this.config)} and closedFlag=false and status/id!=${solved}`);
    return found.map((t) => ({ id: String(t.id), updatedAt: cwTimeMs(t.lastUpdated) }));
  }

  async eventsFromTicket(ticketId: string, now: number): Promise<StoredEvent[]> {
    const content = await this.read(ticketId);
    const comments = toComments(content.notes, content.contact?.id ?? 0, this.config.apiMember);
    const events: StoredEvent[] = [];
    if (this.watches(content.ticket)) events.push(tagged(await this.snapshot(content), now, botPast(comments)));
    return [...events, ...this.noteEvents(ticketId, content, comments, now, true)];
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private async eventsOfCallback(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    let json: unknown;
    try {
      json = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new InvalidWebhook('bad_json', 'the body is not JSON', 400);
    }
    const parsed = CallbackSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidWebhook('bad_shape', `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'} (a ConnectWise callback: Action, Type, ID …)`, 400);
    }
    const cb = parsed.data;
    // Another record type (a callback registered too widely) or a deletion: nothing, and no call. The callback's
    // MemberId is not trusted to skip the bot's own saves (the vendor does not say it is the member who saved): the
    // read-back recognises the bot's notes and makes no events of them.
    if (cb.Type.toLowerCase() !== 'ticket' || cb.Action.toLowerCase() === 'deleted') return [];
    const ticketId = String(cb.ID);
    let ticket: Ticket;
    try {
      ticket = await this.client.getTicket(ticketId);
    } catch (err) {
      if (err instanceof TicketNotFound) return [];
      throw err;
    }
    this.remember(ticket);
    const byRole = this.roleOf(ticket._info.updatedBy);
    if (!this.watches(ticket)) {
      // off the watched board (or type) now: the watch tag removed, an agent handing the ticket off
      if (cb.Action.toLowerCase() === 'added') return [];
      return [{ ticketId, events: [{ type: 'tagsChanged', id: `${SYSTEM}:${ticketId}:unwatched:${ticket._info.lastUpdated}`, at: now, tags: [], added: [], removed: [this.config.watchTag], byRole }] }];
    }
    const notes = await this.client.notes(ticketId);
    const content: Content = { ticket, notes, contact: await this.contact(ticket.contact?.id) };
    const comments = toComments(notes, content.contact?.id ?? 0, this.config.apiMember);
    for (const c of comments) if (c.authorRole !== 'bot') this.held.set(heldKey(ticketId, c.id), c);
    const snap = await this.snapshot(content);
    const events: StoredEvent[] = [...this.noteEvents(ticketId, content, comments, now, false), tagged(snap, now, botPast(comments))];
    if (byRole !== 'bot') events.push({ type: 'statusChanged', id: `${SYSTEM}:${ticketId}:status:${ticket.status.id}:${ticket._info.lastUpdated}`, at: now, status: snap.status, byRole });
    return [{ ticketId, events }];
  }

  /**
   * Comment events for the notes of others (the description left out: the ticket's tagging stands for it), and a tag
   * event for each note of an agent that carries hashtags. `history`: read by the poller, a note the bot answered since
   * says so (a rebuilt workflow does not answer twice).
   */
  private noteEvents(ticketId: string, content: Content, comments: TicketComment[], now: number, history: boolean): StoredEvent[] {
    const first = descriptionOffset(content.notes, comments);
    const later = comments.slice(first);
    const answered = history ? new Set(othersWithAnswered(later).filter((c) => c.answered).map((c) => c.comment.id)) : new Set<string>();
    const events: StoredEvent[] = [];
    for (const [i, c] of later.entries()) {
      if (c.authorRole === 'bot') continue;
      events.push({ ...commentAdded(ticketId, c, now), ...(answered.has(c.id) ? { answered: true } : {}) });
      const added = c.authorRole === 'agent' ? hashtags(c.body) : [];
      if (added.length > 0) {
        const tags = this.tagsOf(content.ticket, comments.slice(0, first + i + 1));
        events.push({ type: 'tagsChanged', id: `${SYSTEM}:${ticketId}:tags:${c.id}`, at: now, tags, added, removed: [], byRole: 'agent' });
      }
    }
    return events;
  }

  /**
   * The ticket's tags: the watch tag while it is watched, then the bot's tag lines and agents' hashtags (never the
   * contact's: a tag hands the bot instructions), oldest first.
   */
  private tagsOf(ticket: Ticket, comments: TicketComment[]): string[] {
    const tags = new Set<string>(this.watches(ticket) ? [this.config.watchTag] : []);
    for (const c of comments) {
      if (c.authorRole === 'bot') {
        const { added, removed } = botTagChanges(c.body);
        for (const t of added) tags.add(t);
        for (const t of removed) tags.delete(t);
      } else if (c.authorRole === 'agent') {
        for (const t of hashtags(c.body)) tags.add(t);
      }
    }
    return [...tags];
  }

  private watches(t: Ticket): boolean {
    return isWatched(this.config, t);
  }

  /** The requester is the ticket's contact as its contact record has it; the customer is the ticket's company. */
  private async snapshot(content: Content): Promise<TicketSnapshot> {
    const { ticket, contact } = content;
    const comments = toComments(content.notes, contact?.id ?? 0, this.config.apiMember);
    const name = contact ? [contact.firstName, contact.lastName].filter((p) => p !== undefined && p.trim() !== '').join(' ') : '';
    const email = contact ? emailOf(contact) : undefined;
    const company = ticket.company;
    return {
      system: SYSTEM,
      id: String(ticket.id),
      subject: ticket.summary,
      status: (await this.boardStatuses(ticket.board.id)).toStatus(ticket.status.id),
      tags: this.tagsOf(ticket, comments),
      requester: contact ? { id: String(contact.id), ...(name ? { name } : {}), ...(email ? { email } : {}) } : { id: 'no-contact' },
      ...(company ? { organization: { id: String(company.id), ...(company.name ? { name: company.name.slice(0, 300) } : {}) } } : {}),
    };
  }

  private async read(ticketId: string): Promise<Content> {
    const ticket = await this.client.getTicket(ticketId);
    this.remember(ticket);
    const notes = await this.client.notes(ticketId);
    return { ticket, notes, contact: await this.contact(ticket.contact?.id) };
  }

  private remember(ticket: Ticket): void {
    this.ticketContacts.set(String(ticket.id), ticket.contact?.id ?? 0);
  }

  private async contactIdOf(ticketId: string): Promise<number> {
    const known = this.ticketContacts.get(ticketId);
    if (known !== undefined) return known;
    const ticket = await this.client.getTicket(ticketId);
    this.remember(ticket);
    return ticket.contact?.id ?? 0;
  }

  /** A contact record, read once in a while (a ticket with no contact, or one deleted since: undefined). */
  private async contact(id: number | undefined): Promise<Contact | undefined> {
    if (id === undefined || id <= 0) return undefined;
    const known = this.contacts.get(id);
    if (known) return known;
    let contact: Contact;
    try {
      contact = await this.client.contact(id);
    } catch (err) {
      if (err instanceof ConnectWiseRequestRefused && err.status === 404) return undefined;
      throw err;
    }
    this.contacts.set(id, contact);
    return contact;
  }

  /** The JSON Patch of a step: the status (on the board the ticket ends on) and the escalation's board, team, owner. */
  private async patchFor(update: TicketUpdate): Promise<PatchOp[]> {
    const esc = update.escalate ? escalationOf(this.config.escalation, update.escalateTo) : {};
    const ops: PatchOp[] = [];
    if (esc.boardId !== undefined) {
      // a status belongs to its board: moving the ticket takes a status of the new board with it
      ops.push({ op: 'replace', path: 'board', value: { id: esc.boardId } }, { op: 'replace', path: 'status', value: { id: (await this.boardStatuses(esc.boardId)).idFor(update.status ?? 'open') } });
    } else if (update.status !== undefined) {
      ops.push({ op: 'replace', path: 'status', value: { id: (await this.boardStatuses(this.config.boardId)).idFor(update.status) } });
    }
    if (esc.teamId !== undefined) ops.push({ op: 'replace', path: 'team', value: { id: esc.teamId } });
    if (esc.member !== undefined) ops.push({ op: 'replace', path: 'owner', value: { id: await this.escalationMemberId(esc.member) } });
    return ops;
  }

  /** The escalation owner's member id, looked up once by its Member ID (a failed look-up is tried again next time). */
  private escalationMemberId(identifier: string): Promise<number> {
    if (!this.escalationMember) {
      const lookup = this.client.memberByIdentifier(identifier).then((m) => {
        if (!m) throw new ConnectWiseRequestRefused(404, `find member ${identifier}`, 'no member has this Member ID: check CONNECTWISE_ESCALATION_MEMBER');
        return m.id;
      });
      this.escalationMember = lookup;
      lookup.catch(() => {
        if (this.escalationMember === lookup) this.escalationMember = undefined;
      });
    }
    return this.escalationMember;
  }

  private boardStatuses(boardId: number): Promise<BoardStatuses> {
    let known = this.statuses.get(boardId);
    if (!known) {
      known = this.client.boardStatuses(boardId).then((list) => new BoardStatuses(boardId, list, this.config.statusNames));
      this.statuses.set(boardId, known);
      known.catch(() => this.statuses.delete(boardId));
    }
    return known;
  }

  /** Who saved the ticket (_info.updatedBy, a member identifier): the bot's API member, or a person (an agent). */
  private roleOf(updatedBy: string | undefined): ActorRole {
    return updatedBy !== undefined && sameMember(updatedBy, this.config.apiMember) ? 'bot' : 'agent';
  }

  /** The markers of the bot's notes on a ticket: what an earlier try of an update already wrote. */
  private async markersOn(ticketId: string): Promise<Set<string>> {
    const found = new Set<string>();
    for (const n of await this.client.notes(ticketId)) {
      if (!n.member || !sameMember(n.member.identifier, this.config.apiMember)) continue;
      for (const m of markersIn(n.text)) found.add(m);
    }
    return found;
  }
}

/** Member IDs are not case-sensitive at log-in. */
function sameMember(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The contact's email: its default Email communication item, else its first. */
function emailOf(contact: Contact): string | undefined {
  const emails = contact.communicationItems.filter((c) => c.communicationType?.toLowerCase() === 'email' && c.value.includes('@'));
  return (emails.find((c) => c.defaultFlag === true) ?? emails[0])?.value.trim().toLowerCase();
}

/**
 * Notes as comments: Discussion and Resolution public, Internal not. The bot is its API member writing with its marker
 * (the same member without one is a person); the ticket's contact is the requester, another contact an end user; any
 * other author (a member, the email connector) an agent: another person speaking on the ticket hands it to people.
 */
function toComments(notes: Note[], contactId: number, apiMember: string): TicketComment[] {
  return notes.map((n) => {
    const authorRole: ActorRole = n.member && sameMember(n.member.identifier, apiMember) && hasMarker(n.text) ? 'bot' : n.contact && !n.member ? (n.contact.id === contactId ? 'requester' : 'end-user') : 'agent';
    const authorId = n.contact && !n.member ? (n.contact.id === contactId ? String(n.contact.id) : `contact:${n.contact.id}`) : n.member ? `member:${n.member.identifier}` : `by:${n.createdBy ?? 'unknown'}`;
    const round = authorRole === 'bot' ? roundFields(roundMarkIn(n.text)) : {};
    return { id: String(n.id), authorId, authorRole, public: !n.internalAnalysisFlag, body: n.text, createdAt: cwTimeMs(n.dateCreated), ...round };
  });
}

/** 1 when the first note is the ticket's initial description (a Discussion note not the bot's), else 0. */
function descriptionOffset(notes: Note[], comments: TicketComment[]): number {
  const first = notes[0];
  return first && first.detailDescriptionFlag && comments[0]?.authorRole !== 'bot' ? 1 : 0;
}

function heldKey(ticketId: string, commentId: string): string {
  return `${ticketId}\u0000${commentId}`;
}

function tagged(ticket: TicketSnapshot, now: number, past?: EventOf<'ticketTagged'>['past']): EventOf<'ticketTagged'> {
  return { type: 'ticketTagged', id: `${SYSTEM}:${ticket.id}:tagged`, at: now, ticket, ...(past ? { past } : {}) };
}

function commentAdded(ticketId: string, c: TicketComment, now: number): EventOf<'commentAdded'> {
  return { type: 'commentAdded', id: `${SYSTEM}:${ticketId}:comment:${c.id}`, at: now, commentId: c.id, authorId: c.authorId, authorRole: c.authorRole, public: c.public };
}

/**
 * Where a step's escalation moves the ticket: the policy's board (escalateTo) in place of the configured one. A
 * configured team belongs to the configured board, so it does not go along to another; the owner does.
 */
function escalationOf(configured: ConnectWiseConfig['escalation'], escalateTo: string | undefined): ConnectWiseConfig['escalation'] {
  if (escalateTo === undefined) return configured;
  return { boardId: Number(escalationTargetOf(SYSTEM, escalateTo)), ...(configured.member !== undefined ? { member: configured.member } : {}) };
}
