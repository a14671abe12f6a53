import { z } from 'zod';

/**
 * Zendesk Support API and webhook shapes, only the fields the adapter reads. Where each one comes from is in
 * README.md ("Shapes and their sources"). Unknown fields are ignored (Zendesk adds fields over time).
 */

const id = z.number().int().positive();
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 time');

/** Ticket statuses of the Tickets API (`status`). */
export const ZendeskStatusSchema = z.enum(['new', 'open', 'pending', 'hold', 'solved', 'closed']);

export const ZendeskTicketSchema = z.object({
  id,
  subject: z.string().nullable(),
  description: z.string().nullable().optional(),
  status: ZendeskStatusSchema,
  tags: z.array(z.string()),
  requester_id: id,
  /** the requester's organization (the MSP's customer): what routes a ticket to its tenant */
  organization_id: id.nullable().optional(),
  /** who the ticket is assigned to: solving needs one unless the account assigns the solver (see check.ts) */
  assignee_id: id.nullable().optional(),
  group_id: id.nullable().optional(),
  custom_fields: z.array(z.object({ id, value: z.unknown() })).optional(),
  created_at: isoTime,
  updated_at: isoTime,
});
export type ZendeskTicket = z.infer<typeof ZendeskTicketSchema>;

/** Users API roles. */
export const ZendeskRoleSchema = z.enum(['end-user', 'agent', 'admin']);

export const ZendeskUserSchema = z.object({
  id,
  name: z.string(),
  email: z.string().nullable().optional(),
  role: ZendeskRoleSchema,
  external_id: z.string().nullable().optional(),
  /**
   * the user's language, a BCP-47 tag ("en-US", "de", "es-419"; the data-types page shows it lower case, "en-us"):
   * read-only, set through `locale_id` or `locale` (Users API, JSON format:
   * https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format). Any string here: an odd value
   * only costs the bot its hint (normaliseLocale), never the ticket.
   */
  locale: z.string().nullable().optional(),
});
export type ZendeskUser = z.infer<typeof ZendeskUserSchema>;

/** GET /api/v2/tickets/{id}.json?include=users */
export const ShowTicketResponseSchema = z.object({ ticket: ZendeskTicketSchema, users: z.array(ZendeskUserSchema).optional() });
/** GET /api/v2/users/{id}.json, GET /api/v2/users/me.json */
export const ShowUserResponseSchema = z.object({ user: ZendeskUserSchema });
/** PUT /api/v2/tickets/{id}.json */
export const UpdateTicketResponseSchema = z.object({ ticket: ZendeskTicketSchema });

export const ZendeskCommentSchema = z.object({
  id,
  author_id: id,
  body: z.string(),
  public: z.boolean(),
  created_at: isoTime,
});
export type ZendeskComment = z.infer<typeof ZendeskCommentSchema>;

/** Cursor pagination: `meta.has_more`, `meta.after_cursor` (`links.next` points at the same page). */
const CursorMetaSchema = z.object({ has_more: z.boolean(), after_cursor: z.string().nullable().optional() });

/** GET /api/v2/tickets/{id}/comments.json?page[size]=100&include=users */
export const CommentsPageSchema = z.object({
  comments: z.array(ZendeskCommentSchema),
  users: z.array(ZendeskUserSchema).optional(),
  meta: CursorMetaSchema,
});

/** GET /api/v2/search/export.json?filter[type]=ticket&page[size]=100&query=… */
export const SearchExportPageSchema = z.object({
  results: z.array(z.object({ id, updated_at: isoTime })),
  meta: CursorMetaSchema,
});

/** GET /api/v2/groups/{id}.json */
export const ShowGroupResponseSchema = z.object({ group: z.object({ id, name: z.string() }) });

/**
 * GET /api/v2/account/settings.json (allowed for agents): only `tickets.assign_tickets_upon_solve`, the Admin Center
 * setting "Auto-assign tickets upon solve".
 */
export const AccountSettingsResponseSchema = z.object({
  settings: z.object({ tickets: z.object({ assign_tickets_upon_solve: z.boolean().optional() }).optional() }),
});

/** Error bodies: `{error: "RecordNotFound", description}` or `{error: {title, message}}`. */
export const ErrorBodySchema = z.object({
  error: z.union([z.string(), z.object({ title: z.string().optional(), message: z.string().optional() })]),
  description: z.string().optional(),
});

/** Ids in an event webhook's `detail` arrive as strings (Zendesk's event reference). */
const stringId = z.union([z.string().regex(/^[0-9]+$/), z.number().int().nonnegative()]).transform((v) => String(v));
const optionalStringId = z.union([stringId, z.literal(''), z.null()]).optional();

/**
 * `detail` of a zen:event-type:ticket.* webhook: the ticket after the change. `assignee_id` tells whether a solve needs
 * one set; `description` (the first comment's text), `created_at` and `updated_at` tell the description's own comment
 * event from a reply.
 */
export const EventTicketDetailSchema = z.object({
  id: stringId,
  requester_id: optionalStringId,
  actor_id: optionalStringId,
  assignee_id: optionalStringId,
  description: z.string().nullable().optional(),
  created_at: isoTime.nullable().optional(),
  updated_at: isoTime.nullable().optional(),
});

const eventBase = {
  account_id: z.number().int(),
  id: z.string().min(1).max(200),
  time: isoTime,
  subject: z.string().regex(/^zen:ticket:[0-9]+$/, 'zen:ticket:<id>'),
  detail: EventTicketDetailSchema,
};

export const TicketCreatedEventSchema = z.object({ type: z.literal('zen:event-type:ticket.created'), ...eventBase });
export const CommentAddedEventSchema = z.object({
  type: z.literal('zen:event-type:ticket.comment_added'),
  ...eventBase,
  event: z.object({
    comment: z.object({
      id: stringId,
      /**
       * kept in this process's memory only (it may hold codes), for the transition that reads it next and to recognise
       * the bot's own comments by their marker; never stored
       */
      body: z.string().optional(),
      is_public: z.boolean(),
      /** `is_staff`: an agent or admin (the bot's user too); otherwise an end user, the requester or a CC */
      author: z.object({ id: stringId, is_staff: z.boolean(), name: z.string().optional() }).optional(),
    }),
  }),
});
export const TagsChangedEventSchema = z.object({
  type: z.literal('zen:event-type:ticket.tags_changed'),
  ...eventBase,
  event: z.object({ tags_added: z.array(z.string()).nullable().default([]), tags_removed: z.array(z.string()).nullable().default([]) }),
});
export const StatusChangedEventSchema = z.object({
  type: z.literal('zen:event-type:ticket.status_changed'),
  ...eventBase,
  event: z.object({ current: z.string(), previous: z.string().nullable().optional() }),
});

/** Other zen:event-type:ticket.* types (a subscription may send more): accepted, no events. */
export const OtherTicketEventSchema = z.object({
  type: z.string().startsWith('zen:event-type:ticket.'),
  ...eventBase,
});

/**
 * The body of a trigger (or automation) webhook, written by the admin as the README shows:
 * `{"twofa_desk": "trigger", "ticket_id": "{{ticket.id}}"}`.
 */
export const TriggerWebhookSchema = z.object({
  twofa_desk: z.literal('trigger'),
  ticket_id: stringId,
});
