import { z } from 'zod';

/**
 * RT 5 REST 2.0 shapes, only the fields the adapter reads; unknown fields are ignored. The reference is RT's own
 * POD, RT::REST2 (https://docs.bestpractical.com/rt/5.0.3/RT/REST2.html, also /usr/share/request-tracker5/lib/RT/REST2.pm
 * in Debian's request-tracker5); every shape here was checked against Debian's RT 5.0.3 (test/integration/ticketing.rt.*).
 */

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 time');
/** REST2 gives ids as strings in some places and numbers in others (a ticket's own `id` is a number) */
const idLike = z.union([z.string().min(1), z.number().int()]).transform(String);

/** A link to another record: `{type, id, _url}`; for a user `id` is the user NAME ("alice@example.com", "Nobody") */
export const RefSchema = z.object({ type: z.string(), id: idLike });

/** GET /REST/2.0/ticket/{id} ("Tickets" section of RT::REST2): `CustomFields` is an array of {id, name, values} in 5.0 */
export const RtTicketSchema = z.object({
  id: idLike,
  Subject: z.string().nullable().optional().transform((s) => s ?? ''),
  Status: z.string().min(1),
  Queue: RefSchema,
  Owner: RefSchema,
  Requestor: z.array(RefSchema).default([]),
  LastUpdated: isoTime,
  Created: isoTime,
  CustomFields: z.array(z.object({ id: idLike, name: z.string(), values: z.array(z.string()).default([]) })).default([]),
});
export type RtTicket = z.infer<typeof RtTicketSchema>;

/** GET /REST/2.0/user/{name or id} ("Users"): `Privileged` is 0/1 (a staff member or not) */
export const RtUserSchema = z.object({
  Name: z.string().min(1),
  RealName: z.string().nullable().optional(),
  EmailAddress: z.string().nullable().optional(),
  Privileged: z.union([z.number(), z.string()]).transform((p) => Number(p) === 1),
});
export type RtUser = z.infer<typeof RtUserSchema>;

/** GET /REST/2.0/queue/{name or id} ("Queues") */
export const RtQueueSchema = z.object({ id: idLike, Name: z.string().min(1) });

/**
 * One page of a collection ("Pagination" in RT::REST2). `total` and `pages` are null when RT cannot tell (the user
 * may not see every item), and a page may hold fewer than `per_page` items while more follow: page until empty.
 */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), page: z.number().optional(), per_page: z.number().optional() });
}

/** GET /REST/2.0/tickets?query=…&fields=LastUpdated */
export const TicketListItemSchema = z.object({ id: idLike, LastUpdated: isoTime });

/**
 * A transaction's author with `fields[Creator]=Name,EmailAddress,RealName` (RT::REST2 "Expanding fields" of a
 * link: the user record's own columns; `Privileged` is no column and comes back empty, so it is not asked for).
 */
export const RtCreatorSchema = RefSchema.extend({
  EmailAddress: z.string().nullable().optional(),
  RealName: z.string().nullable().optional(),
});

/**
 * GET /REST/2.0/ticket/{id}/history?fields=Type,Creator,Created,Field,OldValue,NewValue&fields[Creator]=Name,EmailAddress,RealName
 * ("Transactions")
 */
export const RtTransactionSchema = z.object({
  id: idLike,
  Type: z.string().min(1),
  Creator: RtCreatorSchema,
  Created: isoTime,
  Field: z.string().nullable().optional().transform((f) => f ?? ''),
  OldValue: z.string().nullable().optional().transform((v) => v ?? ''),
  NewValue: z.string().nullable().optional().transform((v) => v ?? ''),
});
export type RtTransaction = z.infer<typeof RtTransactionSchema>;

/**
 * GET /REST/2.0/ticket/{id}/attachments?fields=TransactionId,ContentType,Content,Creator ("Attachments"). In a
 * collection `Content` is the decoded text (the single-attachment endpoint base64-encodes it); an e-mail is a tree:
 * a multipart container without content, then its text/plain and text/html parts. `Parent` is not asked for: RT
 * 5.0.3 answers 500 when a top-level attachment is expanded with it.
 */
export const RtAttachmentSchema = z.object({
  id: idLike,
  TransactionId: z.union([idLike, RefSchema.transform((r) => r.id)]),
  ContentType: z.string().nullable().optional().transform((t) => (t ?? '').toLowerCase()),
  Content: z.string().nullable().optional().transform((c) => c ?? ''),
  Creator: z.union([RefSchema.transform((r) => r.id), idLike]).optional(),
});
export type RtAttachment = z.infer<typeof RtAttachmentSchema>;

/**
 * What RT answers to a change (PUT /ticket/{id}, POST /ticket/{id}/correspond|comment): a list of messages, 200 or
 * 201 even when a change was refused ("Status 'x' isn't a valid status", "Permission Denied").
 */
export const RtMessagesSchema = z.array(z.string());

/** An error body: `{"message": "…"}` */
export const RtErrorBodySchema = z.object({ message: z.string() });

/** GET /REST/2.0/rt */
export const RtInfoSchema = z.object({ Version: z.string() });

/** The Scrip's notification body (README.md, "The Scrip"): names the ticket and the transaction; signed. */
export const RtNotificationSchema = z.object({
  twofa_desk: z.literal('rt'),
  ticket_id: z.coerce.number().int().positive(),
  transaction_id: z.coerce.number().int().positive(),
  delivery_id: z.string().min(1).max(200),
});
