import { z } from 'zod';

/*
 * Every shape read from ConnectWise PSA, with the page it comes from (see README.md, "Shapes and their sources").
 * Field names of tickets, contacts, callbacks and members: the PSA OpenAPI specification (developer.connectwise.com,
 * "REST API" / "All.json"), as its published schema lists them; dates are ISO 8601 UTC ("2026-06-09T21:59:49Z").
 */

/** A date as the REST API writes it: ISO 8601, UTC ("yyyy-MM-ddTHH:mm:ssZ"). */
export const CwDateSchema = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(s), 'an ISO 8601 UTC date, e.g. 2026-06-09T21:59:49Z');

export function cwTimeMs(value: string): number {
  return Date.parse(value);
}

/** A reference to another record: `{id, name}` (boards, statuses, types, teams). */
const RefSchema = z.object({ id: z.number().int(), name: z.string() });
/** A member reference: `{id, identifier, name}` (owner, the member who wrote a note). */
const MemberRefSchema = z.object({ id: z.number().int(), identifier: z.string(), name: z.string().optional() });

/** GET /service/tickets/{id}: the fields the adapter reads. */
export const TicketSchema = z.object({
  id: z.number().int().positive(),
  summary: z.string(),
  board: RefSchema,
  status: RefSchema,
  type: RefSchema.nullish(),
  subType: RefSchema.nullish(),
  company: z.object({ id: z.number().int(), identifier: z.string().optional(), name: z.string().optional() }).nullish(),
  contact: z.object({ id: z.number().int(), name: z.string().optional() }).nullish(),
  team: RefSchema.nullish(),
  owner: MemberRefSchema.nullish(),
  closedFlag: z.boolean(),
  _info: z.object({ lastUpdated: CwDateSchema, updatedBy: z.string().optional(), dateEntered: CwDateSchema.optional() }),
});
export type Ticket = z.output<typeof TicketSchema>;
export const TICKET_FIELDS = 'id,summary,board,status,type,subType,company,contact,team,owner,closedFlag,_info';

/** The poller's list: fields=id,_info/lastUpdated. */
export const TicketSummaryListSchema = z.array(z.object({ id: z.number().int().positive(), _info: z.object({ lastUpdated: CwDateSchema }) }));

/**
 * GET /service/tickets/{id}/notes: a service note. Discussion (`detailDescriptionFlag`) and Resolution
 * (`resolutionFlag`) are what the contact sees; Internal (`internalAnalysisFlag`) is the staff's. `member` wrote it
 * when a member (or the API member) did; `contact` when the customer did (portal, email connector).
 */
export const NoteSchema = z.object({
  id: z.number().int().positive(),
  ticketId: z.number().int().optional(),
  text: z.string().default(''),
  detailDescriptionFlag: z.boolean().default(false),
  internalAnalysisFlag: z.boolean().default(false),
  resolutionFlag: z.boolean().default(false),
  member: MemberRefSchema.nullish(),
  contact: z.object({ id: z.number().int(), name: z.string().optional() }).nullish(),
  dateCreated: CwDateSchema,
  createdBy: z.string().optional(),
});
export type Note = z.output<typeof NoteSchema>;
export const NoteListSchema = z.array(NoteSchema);

/** GET /company/contacts/{id}: the person the PSA vouches for; the email is its default Email communication item. */
export const ContactSchema = z.object({
  id: z.number().int().positive(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  inactiveFlag: z.boolean().optional(),
  communicationItems: z
    .array(
      z.object({
        type: z.object({ id: z.number().int(), name: z.string() }).optional(),
        value: z.string(),
        defaultFlag: z.boolean().optional(),
        communicationType: z.string().optional(),
      }),
    )
    .default([]),
});
export type Contact = z.output<typeof ContactSchema>;

/** GET /service/boards/{id}/statuses: a board's statuses (names differ per board; ids are read, never hard-coded). */
export const BoardStatusSchema = z.object({ id: z.number().int().positive(), name: z.string(), closedStatus: z.boolean().optional(), inactive: z.boolean().optional() });
export type BoardStatus = z.output<typeof BoardStatusSchema>;
export const BoardStatusListSchema = z.array(BoardStatusSchema);

/** GET /service/boards/{id} (check only). */
export const BoardSchema = z.object({ id: z.number().int().positive(), name: z.string(), inactiveFlag: z.boolean().optional() });
/** GET /service/boards/{id}/teams/{teamId} (check only). */
export const TeamSchema = z.object({ id: z.number().int().positive(), name: z.string() });
/** GET /system/members?conditions=identifier="…" */
export const MemberListSchema = z.array(z.object({ id: z.number().int().positive(), identifier: z.string(), inactiveFlag: z.boolean().optional() }));

/** An error answer: `{"code", "message", "errors": [{code, message, resource, field}]}`. */
export const ErrorBodySchema = z.object({
  code: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional(), field: z.string().optional() })).nullish(),
});

/**
 * What a callback (/system/callbacks) posts when a record is saved ("PSA Callbacks"): which record (`Type`, `ID`),
 * what happened (`Action`: added, updated, deleted), a delivery id (`MessageId`) and the record itself (`Entity`, a
 * JSON string); `MemberId` is not read (the vendor does not define it as the member who saved the record). Not signed: the URL carries CONNECTWISE_CALLBACK_SECRET, and the record is
 * read back from the API, never taken from `Entity`.
 */
export const CallbackSchema = z.object({
  MessageId: z.string().max(200).optional(),
  CompanyId: z.string().optional(),
  Action: z.string().min(1),
  Type: z.string().min(1),
  ID: z.coerce.number().int().positive(),
});
export type Callback = z.output<typeof CallbackSchema>;
