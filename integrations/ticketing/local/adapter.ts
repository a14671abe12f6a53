import type { EventOf, TicketSnapshot } from '../../../workflows/resync/index.js';
import { InvalidWebhook, TicketNotFound } from '../errors.js';
import { escalationTargetOf } from '../escalation-target.js';
import { botPast, othersWithAnswered } from '../bot-trail.js';
import type { StoredEvent, TicketComment, TicketEvents, TicketSummary, TicketSystem, TicketUpdate, WebhookRequest } from '../ticket-system.js';
import { deliveryIdOf, webhookBodyFields } from '../webhook-body.js';
import { refuseUnlessFresh } from '../webhook-freshness.js';
import { DeskClient } from './client.js';
import { BOT_AUTHOR_ID, WebhookPayloadSchema, type DeskChange, type DeskComment, type DeskTicket, type TicketWithComments, type WebhookPayload } from './schemas.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, deskSignatureMatches } from './webhook-signature.js';

export interface LocalDeskAdapterOptions {
  /** where the desk routes are mounted, e.g. `http://127.0.0.1:3000/desk` */
  baseUrl: string;
  /** the secret the desk signs its webhooks with */
  webhookSecret: string;
  /** the tag that hands a ticket to the bot */
  watchTag: string;
  apiToken?: string | undefined;
  /** per API request (default 5 s) */
  timeoutMs?: number;
  /** API retries after the first try (default 3) */
  retries?: number;
  /** first API retry backoff (default 200 ms) */
  retryBaseDelayMs?: number;
  /** a webhook signed longer ago than this is refused as a possible replay (default 5 min) */
  maxWebhookAgeMs?: number;
}

const SYSTEM = 'local';

/**
 * The embedded desk behind the `TicketSystem` interface. A webhook is only a notification: what the workflow
 * starts from (the ticket) and what it parses (comment text) is read from the API, which is the truth.
 */
export class LocalDeskAdapter implements TicketSystem {
  readonly name = SYSTEM;
  private readonly client: DeskClient;
  private readonly secret: string;
  private readonly watchTag: string;
  private readonly maxWebhookAgeMs: number;

  constructor(opts: LocalDeskAdapterOptions) {
    this.client = new DeskClient({
      baseUrl: opts.baseUrl,
      apiToken: opts.apiToken,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
      ...(opts.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: opts.retryBaseDelayMs } : {}),
    });
    this.secret = opts.webhookSecret;
    // The desk stores tags in lower case, as Zendesk does.
    this.watchTag = opts.watchTag.toLowerCase();
    this.maxWebhookAgeMs = opts.maxWebhookAgeMs ?? 5 * 60_000;
  }

  async getTicket(ticketId: string): Promise<TicketSnapshot & { updatedAt: number }> {
    const ticket = await this.client.getTicket(ticketId);
    return { ...snapshot(ticket), updatedAt: ticket.updatedAt };
  }

  async listComments(ticketId: string): Promise<TicketComment[]> {
    return (await this.client.getTicket(ticketId)).comments.map(toComment);
  }

  async getComment(ticketId: string, commentId: string): Promise<TicketComment> {
    return toComment(await this.client.getComment(ticketId, commentId));
  }

  async applyUpdate(ticketId: string, update: TicketUpdate, idempotencyKey: string): Promise<void> {
    // The embedded desk takes any group name; a name no agent could have written is refused before anything is written.
    if (update.escalate && update.escalateTo !== undefined) escalationTargetOf(SYSTEM, update.escalateTo);
    await this.client.botUpdate(ticketId, update, idempotencyKey);
  }

  /** The delivery id inside the signed body (the header copy is not signed, so it is not trusted). */
  webhookDeliveryId(req: WebhookRequest): string | undefined {
    return deliveryIdOf(webhookBodyFields(req)?.deliveryId);
  }

  verifyWebhook(req: WebhookRequest, now: number): void {
    const signature = header(req, SIGNATURE_HEADER);
    const timestamp = header(req, TIMESTAMP_HEADER);
    if (signature === undefined || timestamp === undefined) {
      throw new InvalidWebhook('missing_signature', `send both ${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER}`, 401);
    }
    if (!deskSignatureMatches(this.secret, timestamp, req.rawBody, signature)) {
      throw new InvalidWebhook('bad_signature', `${SIGNATURE_HEADER} does not match the body: check the shared webhook secret`, 401);
    }
    const sentAt = /^\d+$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (Number.isNaN(sentAt)) throw new InvalidWebhook('stale_timestamp', `${TIMESTAMP_HEADER} must be the signing time in ms`, 401);
    refuseUnlessFresh(sentAt, now, this.maxWebhookAgeMs, { verb: 'signed', clock: "the sender's clock" });
  }

  async eventsFromWebhook(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    const payload = parsePayload(req.rawBody);
    const events: StoredEvent[] = [];
    for (const change of payload.changes) events.push(...(await this.eventsFor(change, payload.deliveryId, now)));
    return events.length > 0 ? [{ ticketId: payload.ticketId, events }] : [];
  }

  async listWatchedTickets(): Promise<TicketSummary[]> {
    return this.client.listTickets({ tag: this.watchTag, unsolved: true });
  }

  async eventsFromTicket(ticketId: string, now: number): Promise<StoredEvent[]> {
    const ticket = await this.client.getTicket(ticketId);
    const events: StoredEvent[] = [];
    const comments = ticket.comments.map(toComment);
    if (ticket.tags.includes(this.watchTag)) events.push(tagged(snapshot(ticket), now, botPast(comments)));
    for (const { comment, answered } of othersWithAnswered(comments)) events.push({ ...commentAdded(ticket.id, comment, now), ...(answered ? { answered } : {}), writtenAt: comment.createdAt });
    return events;
  }

  async close(): Promise<void> {
    this.client.close();
  }

  /**
   * The bot's own changes come back as webhooks too; they make no events, so the bot never reacts to itself
   * (the loop guard Zendesk triggers spell "current user is not the bot").
   */
  private async eventsFor(payload: DeskChange, deliveryId: string, now: number): Promise<StoredEvent[]> {
    const { ticketId } = payload;
    switch (payload.type) {
      case 'ticket.created':
        // The signed webhook's copy of the ticket is as new as the write it announces: reading the ticket back from
        // the API would only re-read it. A tag removed since comes as a webhook of its own, right behind this one.
        return payload.ticket.tags.includes(this.watchTag) ? [tagged(snapshot(payload.ticket), now)] : [];
      case 'comment.created':
        if (isBot(payload.authorRole, payload.authorId)) return [];
        return [commentAdded(ticketId, { id: payload.commentId, authorId: payload.authorId, authorRole: payload.authorRole, public: payload.public }, now)];
      case 'ticket.tags_changed': {
        if (payload.byRole === 'bot') return [];
        const changed: EventOf<'tagsChanged'> = {
          type: 'tagsChanged',
          id: `${SYSTEM}:${ticketId}:tags:${deliveryId}`,
          at: now,
          tags: payload.tags,
          added: payload.added,
          removed: payload.removed,
          byRole: payload.byRole,
        };
        const tagging = payload.added.includes(this.watchTag) ? await this.taggedFromApi(ticketId, now, reopenedBy(payload.byRole) ? deliveryId : undefined) : [];
        return [...tagging, changed];
      }
      case 'ticket.status_changed':
        if (payload.byRole === 'bot') return [];
        return [{ type: 'statusChanged', id: `${SYSTEM}:${ticketId}:status:${deliveryId}`, at: now, status: payload.status, byRole: payload.byRole }];
      case 'ticket.assigned':
        return [];
    }
  }

  /**
   * The ticket as it is now, for a tag added later (the change names tags, not the requester): the tag may be gone
   * again. `reopenDelivery`: an agent (or the desk) added it, a deliberate (re)open that gets an event of its own.
   * The comments written before come first: without a workflow they change nothing, and once taken the poller's
   * copies of them are duplicates, not answers to the bot's first question (the intake keeps no comment of a ticket
   * the bot did not watch yet).
   */
  private async taggedFromApi(ticketId: string, now: number, reopenDelivery: string | undefined): Promise<StoredEvent[]> {
    let ticket: TicketWithComments;
    try {
      ticket = await this.client.getTicket(ticketId);
    } catch (err) {
      if (err instanceof TicketNotFound) return [];
      throw err;
    }
    if (!ticket.tags.includes(this.watchTag)) return [];
    const reopen = reopenDelivery !== undefined ? { watchTagAdded: true } : {};
    const earlier = ticket.comments.filter((c) => !isBot(c.authorRole, c.authorId)).map((c) => commentAdded(ticket.id, c, now));
    return [...earlier, tagged(snapshot(ticket), now, { botCommented: botCommented(ticket), ...reopen }, reopenDelivery)];
  }
}

function parsePayload(rawBody: Buffer): WebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new InvalidWebhook('bad_json', 'the body is not JSON', 400);
  }
  const parsed = WebhookPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidWebhook('bad_shape', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`, 400);
  }
  return parsed.data;
}

function header(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function isBot(role: string, authorId: string): boolean {
  return role === 'bot' || authorId === BOT_AUTHOR_ID;
}

function snapshot(ticket: Omit<DeskTicket, 'description'>): TicketSnapshot {
  const { requester } = ticket;
  return {
    system: SYSTEM,
    id: ticket.id,
    subject: ticket.subject,
    status: ticket.status,
    tags: ticket.tags,
    requester: {
      id: requester.id,
      email: requester.email,
      name: requester.name,
      ...(requester.externalId !== undefined ? { externalId: requester.externalId } : {}),
      ...(requester.locale !== undefined ? { locale: requester.locale } : {}),
    },
    ...(requester.organization ? { organization: requester.organization } : {}),
  };
}

/**
 * One id per ticket: the webhook and the poller both say "this ticket is tagged", and the second is a duplicate. A
 * deliberate re-open (the watch tag added again) adds its delivery id: it is not a duplicate of the first tagging.
 */
function tagged(ticket: TicketSnapshot, now: number, past?: EventOf<'ticketTagged'>['past'], reopenDelivery?: string): EventOf<'ticketTagged'> {
  const id = `${SYSTEM}:${ticket.id}:tagged${reopenDelivery !== undefined ? `:${reopenDelivery}` : ''}`;
  return { type: 'ticketTagged', id, at: now, ticket, ...(past ? { past } : {}) };
}

/** The bot's comments carry its author id (the desk's marker of the bot): a ticket with one is a ticket the bot was on. */
function botCommented(ticket: { comments: readonly DeskComment[] }): boolean {
  return ticket.comments.some((c) => isBot(c.authorRole, c.authorId));
}

/** Only someone on the help desk re-opens a ticket for the bot; a requester adding the tag is not a re-open. */
function reopenedBy(role: string): boolean {
  return role === 'agent' || role === 'system';
}

function commentAdded(ticketId: string, c: Pick<TicketComment, 'id' | 'authorId' | 'authorRole' | 'public'>, now: number): EventOf<'commentAdded'> {
  return { type: 'commentAdded', id: `${SYSTEM}:${ticketId}:comment:${c.id}`, at: now, commentId: c.id, authorId: c.authorId, authorRole: c.authorRole, public: c.public };
}

/** The desk's comment as the workflow sees it: the bot is its role or its author id (see isBot). */
function toComment(c: DeskComment): TicketComment {
  const authorRole = isBot(c.authorRole, c.authorId) ? 'bot' : c.authorRole;
  return { id: c.id, authorId: c.authorId, authorRole, public: c.public, body: c.body, createdAt: c.createdAt, ...(c.round === 'end' ? { ends: true } : c.round === 'mid' ? { midRound: true } : {}) };
}
