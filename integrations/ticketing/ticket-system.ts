import type { ActorRole, EffectOf, TicketSnapshot, TicketStatus, WorkflowEvent } from '../../workflows/resync/index.js';

export interface TicketComment {
  id: string;
  authorId: string;
  authorRole: ActorRole;
  public: boolean;
  body: string;
  createdAt: number;
  /** a comment of the bot's that told how a round ended (its marker says so): the bot left the ticket there */
  ends?: boolean;
  /**
   * a comment of the bot's written in the middle of a round (its marker says so): a workflow lost after it is rebuilt.
   * Neither flag (a comment written before markers carried them): the bot is taken to have left.
   */
  midRound?: boolean;
}

export interface TicketSummary {
  id: string;
  updatedAt: number;
}

/** A webhook request as the intake received it: the raw body is needed to check signatures. */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /**
   * The request's path and query as received (`/webhooks/<system>?…`), for a system whose sender cannot sign and
   * authenticates by a secret in the URL (ConnectWise callbacks). Holds that secret: never logged.
   */
  url?: string;
}

/** Events for the workflow without `text` on comments: stored events never hold comment text. */
export type StoredEvent = WorkflowEvent;

/** Events for one ticket (a webhook delivery may concern several tickets). */
export interface TicketEvents {
  ticketId: string;
  events: StoredEvent[];
}

/** A ticket update as the workflow asks for it (one step). */
export type TicketUpdate = Omit<EffectOf<'updateTicket'>, 'type' | 'id'>;

/**
 * A ticket system (the embedded desk, Zendesk …). Every call is safe to repeat with the same
 * idempotency key: an update whose outcome was unknown is looked for before it is sent again.
 */
export interface TicketSystem {
  readonly name: string;
  getTicket(ticketId: string): Promise<TicketSnapshot & { updatedAt: number }>;
  listComments(ticketId: string): Promise<TicketComment[]>;
  getComment(ticketId: string, commentId: string): Promise<TicketComment>;
  /** applies one workflow step; `idempotencyKey` is unique per effect and marks the bot's comments */
  applyUpdate(ticketId: string, update: TicketUpdate, idempotencyKey: string): Promise<void>;
  /** throws InvalidWebhook (with a reason) when the signature, timestamp or shape is wrong */
  verifyWebhook(req: WebhookRequest, now: number): void;
  /**
   * The sender's id of this delivery, taken from the signed part of a verified webhook, when the system sends
   * one: the intake refuses a second delivery with the same id as a replay.
   */
  webhookDeliveryId?(req: WebhookRequest): string | undefined;
  /**
   * true when `eventsFromWebhook` may call the system's API (a webhook that only names the ticket): the intake then
   * refuses a replayed delivery id before it reads the events, so a replay costs no API call. Otherwise the replay
   * check is made in the same step that stores the events.
   */
  readonly webhookEventsCallApi?: boolean;
  /** turns a verified webhook into workflow events per ticket (comment events without text) */
  eventsFromWebhook(req: WebhookRequest, now: number): Promise<TicketEvents[]>;
  /** tickets carrying the watch tag that are not solved, for the poller (the safety net for lost webhooks) */
  listWatchedTickets(): Promise<TicketSummary[]>;
  /**
   * How long after a look a later change may still carry the `updatedAt` that look saw (the stamp's precision
   * plus clock skew): the poller looks again at a ticket stamped this recently. None: stamps are exact.
   */
  readonly pollSettleMs?: number;
  /** how often the poller lists this system's tickets, when it has its own setting (None: `POLL_INTERVAL_S`) */
  readonly pollIntervalS?: number;
  /** events that describe a ticket's current state, for the poller: ticketTagged and its comments (ids deterministic) */
  eventsFromTicket(ticketId: string, now: number): Promise<StoredEvent[]>;
  close?(): Promise<void>;
}

export type { TicketStatus };
