import { z } from 'zod';
import { LocaleSchema, TicketStatusSchema, UpdateTicketSchema } from '../../../workflows/resync/index.js';

/** The bot's user on the desk: every comment it writes carries this author id. */
export const BOT_AUTHOR_ID = 'twofa-desk';
/** Agents are recognised by their id, as an email-only end user could otherwise pass for one. */
export const AGENT_ID_PREFIX = 'agent-';

const MAX_BODY = 64 * 1024;

/** Who wrote a comment or made a change, relative to the ticket. */
export const DeskRoleSchema = z.enum(['requester', 'end-user', 'agent', 'bot']);
export type DeskRole = z.infer<typeof DeskRoleSchema>;

/** Roles that may act through the public API: the bot writes only through bot-update. */
export const ApiRoleSchema = z.enum(['requester', 'end-user', 'agent']);
export type ApiRole = z.infer<typeof ApiRoleSchema>;

export const TicketIdSchema = z.string().regex(/^[1-9][0-9]*$/, 'ticket ids are positive integers');
export const CommentIdSchema = z.string().regex(/^[1-9][0-9]*$/, 'comment ids are positive integers');

/** Tags are single lower-case words, as in Zendesk ("2FA issue" is the tag `2fa_issue`). */
export const TagSchema = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[^\s,]+$/, 'tags are single words without spaces or commas')
  .transform((t) => t.toLowerCase());

const millis = z.number().int().nonnegative();

/** The customer (company) a desk user belongs to, as an agent recorded it: tenants route on its id. */
export const DeskOrganizationSchema = z.object({ id: z.string().trim().min(1).max(200), name: z.string().trim().max(300).optional() });
export type DeskOrganization = z.infer<typeof DeskOrganizationSchema>;

export const DeskRequesterSchema = z.object({
  id: z.string().min(1),
  email: z.string(),
  name: z.string(),
  /** from the desk's user record (set by an agent through PUT /api/users), never from the ticket's creator */
  externalId: z.string().optional(),
  /** from the desk's user record too (PUT /api/users), never from the ticket's creator */
  organization: DeskOrganizationSchema.optional(),
  /** the user's language (BCP-47), from the desk's user record (PUT /api/users), as Zendesk keeps a user's locale */
  locale: LocaleSchema.optional(),
});
export type DeskRequester = z.infer<typeof DeskRequesterSchema>;

export const DeskTicketSchema = z.object({
  id: TicketIdSchema,
  subject: z.string(),
  description: z.string(),
  requester: DeskRequesterSchema,
  tags: z.array(z.string()),
  status: TicketStatusSchema,
  assigneeGroup: z.string().optional(),
  createdAt: millis,
  updatedAt: millis,
});
export type DeskTicket = z.infer<typeof DeskTicketSchema>;

export const DeskCommentSchema = z.object({
  id: CommentIdSchema,
  ticketId: TicketIdSchema,
  authorId: z.string().min(1),
  authorRole: DeskRoleSchema,
  public: z.boolean(),
  body: z.string(),
  createdAt: millis,
  /** set on the bot's comments: the effect that wrote them */
  idempotencyKey: z.string().optional(),
  /**
   * set on the bot's comments: `end` when the update told how a round ended (its `ends`), `mid` otherwise; none on
   * comments written before the desk kept it (the bot is then taken to have left)
   */
  round: z.enum(['mid', 'end']).optional(),
});
export type DeskComment = z.infer<typeof DeskCommentSchema>;

export const TicketWithCommentsSchema = DeskTicketSchema.extend({ comments: z.array(DeskCommentSchema) });
export type TicketWithComments = z.infer<typeof TicketWithCommentsSchema>;

export const TicketSummarySchema = z.object({ id: TicketIdSchema, updatedAt: millis });
export const TicketListSchema = z.array(TicketSummarySchema);

const EmailSchema = z.email().transform((e) => e.toLowerCase());
const ExternalIdSchema = z.string().trim().min(1).max(200);

/**
 * Whoever opens a ticket says who they are by email and name only: an `externalId` in the body is ignored (as any
 * unknown field), since the workflow takes the external id as the platform user name, that is as proof of identity.
 */
export const CreateTicketBodySchema = z.object({
  subject: z.string().trim().min(1).max(500),
  description: z.string().max(MAX_BODY),
  requester: z.object({
    email: EmailSchema,
    name: z.string().trim().min(1).max(200),
  }),
  tags: z.array(TagSchema).max(100).default([]),
});
export type CreateTicketBody = z.input<typeof CreateTicketBodySchema>;
export type CreateTicketInput = z.output<typeof CreateTicketBodySchema>;

/** A desk user as an agent (administrator) keeps it: the external id the desk vouches for. */
export const DeskUserSchema = z.object({
  id: z.string().min(1),
  email: z.string(),
  externalId: z.string().optional(),
  organization: DeskOrganizationSchema.optional(),
  locale: LocaleSchema.optional(),
});
export type DeskUser = z.infer<typeof DeskUserSchema>;

/** PUT /api/users: an agent records (or, with null, clears) the external id of the desk user with this email. */
export const SetUserBodySchema = z
  .object({
    email: EmailSchema,
    /** null clears it; absent leaves it as it is */
    externalId: ExternalIdSchema.nullable().optional(),
    /** the user's company; null clears it; absent leaves it as it is */
    organization: DeskOrganizationSchema.nullable().optional(),
    /** the user's language, a BCP-47 tag such as de or fr-CA (the bot replies in it); null clears it */
    locale: LocaleSchema.nullable().optional(),
  })
  .refine((b) => b.externalId !== undefined || b.organization !== undefined || b.locale !== undefined, 'set externalId, organization or locale');
export type SetUserBody = z.input<typeof SetUserBodySchema>;

export const AddCommentBodySchema = z.object({
  authorId: z.string().trim().min(1).max(200).optional(),
  as: ApiRoleSchema,
  body: z.string().max(MAX_BODY).refine((b) => b.trim().length > 0, 'body must not be blank'),
  public: z.boolean().optional(),
});
export type AddCommentBody = z.input<typeof AddCommentBodySchema>;

export const TagsBodySchema = z.object({
  add: z.array(TagSchema).max(100).default([]),
  remove: z.array(TagSchema).max(100).default([]),
  as: ApiRoleSchema.default('agent'),
});
export type TagsBody = z.input<typeof TagsBodySchema>;

export const StatusBodySchema = z.object({
  status: TicketStatusSchema,
  as: ApiRoleSchema.default('agent'),
});
export type StatusBody = z.input<typeof StatusBodySchema>;

/** One workflow step, as `TicketUpdate` in ticket-system.ts. */
export const TicketUpdateSchema = UpdateTicketSchema.omit({ type: true, id: true });

export const BotUpdateBodySchema = z.object({
  update: TicketUpdateSchema,
  idempotencyKey: z.string().min(1).max(300),
});

/** What a bot update did; a repeat with the same key answers exactly this again. */
export const BotUpdateResultSchema = z.object({
  ticketId: TicketIdSchema,
  idempotencyKey: z.string().min(1),
  publicCommentId: CommentIdSchema.optional(),
  noteCommentId: CommentIdSchema.optional(),
  status: TicketStatusSchema,
  tags: z.array(z.string()),
  assigneeGroup: z.string().optional(),
});
export type BotUpdateResult = z.infer<typeof BotUpdateResultSchema>;

export const ErrorBodySchema = z.object({ error: z.string(), message: z.string() });
/** The `error` of the desk's own 404, told apart from a 404 for a path that is not the desk at all. */
export const NOT_FOUND = 'not_found';

const change = { ticketId: TicketIdSchema, at: millis };

/** The ticket as a webhook carries it: no description, which like a comment body may hold OTP codes. */
export const WebhookTicketSchema = DeskTicketSchema.omit({ description: true });

export const TicketCreatedChangeSchema = z.object({ type: z.literal('ticket.created'), ...change, ticket: WebhookTicketSchema });
/** No comment body: bodies may hold OTP codes, and the receiver reads the comment from the API. */
export const CommentCreatedChangeSchema = z.object({
  type: z.literal('comment.created'),
  ...change,
  commentId: CommentIdSchema,
  authorId: z.string().min(1),
  authorRole: DeskRoleSchema,
  public: z.boolean(),
});
export const TagsChangedChangeSchema = z.object({
  type: z.literal('ticket.tags_changed'),
  ...change,
  tags: z.array(z.string()),
  added: z.array(z.string()),
  removed: z.array(z.string()),
  byRole: DeskRoleSchema,
});
export const StatusChangedChangeSchema = z.object({
  type: z.literal('ticket.status_changed'),
  ...change,
  status: TicketStatusSchema,
  byRole: DeskRoleSchema,
});
export const AssignedChangeSchema = z.object({
  type: z.literal('ticket.assigned'),
  ...change,
  group: z.string().min(1),
  byRole: DeskRoleSchema,
});

/** One change on the desk, as the store hands it to its notifier. */
export const DeskChangeSchema = z.discriminatedUnion('type', [
  TicketCreatedChangeSchema,
  CommentCreatedChangeSchema,
  TagsChangedChangeSchema,
  StatusChangedChangeSchema,
  AssignedChangeSchema,
]);
export type DeskChange = z.infer<typeof DeskChangeSchema>;

/** A write changes a few things at most (comment, note, tags, status, group): more in one webhook is not ours. */
export const MAX_CHANGES_PER_WEBHOOK = 20;

/**
 * What one webhook sends: every change of one write to a ticket, in the order made (a hosted desk's trigger fires
 * once per ticket update too, with all its changes). The delivery id is inside the signed body so that it cannot be
 * swapped.
 */
export const WebhookPayloadSchema = z
  .object({
    deliveryId: z.string().min(1).max(200),
    ticketId: TicketIdSchema,
    at: millis,
    changes: z.array(DeskChangeSchema).min(1).max(MAX_CHANGES_PER_WEBHOOK),
  })
  .refine((p) => p.changes.every((c) => c.ticketId === p.ticketId), { message: "every change must be of the webhook's ticket", path: ['changes'] });
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;
