import { z } from 'zod';

/*
 * Every shape read from HaloPSA, with the page it comes from (README.md, "Shapes and their sources"). The resource
 * server answers JSON; lists come as {record_count, <things>: […]}; POST bodies are arrays of records.
 * Halo's own reference is the OpenAPI document each tenant serves at <tenant>/api/swagger ("Halo swagger" below; read
 * from the copy at https://github.com/redanthrax/halopsa-node/blob/main/swagger.json). A shape marked "not Halo's"
 * comes from a transcription of it (https://kb.dtctoday.com/books/halopsa-api-reference) or public client code.
 */

/** A Halo date-time: ISO 8601, UTC with or without the "Z" (and with up to seven fraction digits). */
export const HaloDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$/, 'an ISO 8601 date-time (Halo answers UTC)');

/** The instant of a Halo date-time; one without a zone is UTC (Halo stores and answers UTC). */
export function haloTimeMs(value: string): number {
  const trimmed = value.replace(/(\.\d{3})\d+/, '$1');
  return Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(trimmed) ? trimmed : `${trimmed}Z`);
}

const id = z.number().int().positive();
/** an id Halo sends as 0 or null when the field is empty */
const optionalId = z.number().int().nullish().transform((v) => (v === null || v === undefined || v <= 0 ? undefined : v));
const text = z.string().nullish().transform((v) => v ?? '');

/**
 * GET /api/Tickets/{id} (not Halo's: "Faults", https://kb.dtctoday.com/books/halopsa-api-reference/page/ticket-endpoints): the
 * fields the adapter reads. client_id/client_name are the ticket's company (the MSP's customer), user_id/user_name
 * its end user; lastactiondate is when an action was last added, last_update when the ticket itself last changed.
 */
export const TicketSchema = z
  .object({
    id,
    summary: text,
    details: text,
    tickettype_id: z.number().int(),
    category_1: text,
    status_id: z.number().int(),
    client_id: optionalId,
    client_name: text,
    user_id: optionalId,
    user_name: text,
    team: text,
    agent_id: optionalId,
    lastactiondate: HaloDateSchema.nullish(),
    last_update: HaloDateSchema.nullish(),
    dateoccurred: HaloDateSchema.nullish(),
  })
  .refine((t) => t.lastactiondate || t.last_update || t.dateoccurred, { message: 'no lastactiondate, last_update or dateoccurred', path: ['lastactiondate'] });
export type HaloTicket = z.output<typeof TicketSchema>;

/** When the ticket last changed: the later of its last action and its last update (the poller's stamp). */
export function ticketStampMs(t: { lastactiondate?: string | null | undefined; last_update?: string | null | undefined; dateoccurred?: string | null | undefined }): number {
  return Math.max(...[t.lastactiondate, t.last_update, t.dateoccurred].filter((d): d is string => typeof d === 'string').map(haloTimeMs));
}

/** GET /api/Tickets (pageinate, page_size, page_no): {record_count, tickets} (not Halo's: the transcription above). */
export const TicketSummarySchema = z.object({
  id,
  status_id: z.number().int(),
  tickettype_id: z.number().int().optional(),
  category_1: text,
  lastactiondate: HaloDateSchema.nullish(),
  last_update: HaloDateSchema.nullish(),
  dateoccurred: HaloDateSchema.nullish(),
});
export type HaloTicketSummary = z.output<typeof TicketSummarySchema>;
export const TicketListSchema = z.object({ record_count: z.number().int().nonnegative(), tickets: z.array(TicketSummarySchema) });

/**
 * GET /api/Users/{id}: the end user as Halo records them (emailaddress set by the MSP or the directory sync). Not Halo's:
 * https://github.com/Tim-ImpendingTech/HaloPSA-MCP-Server/blob/main/src/client/types.ts
 */
export const UserSchema = z.object({
  id,
  name: text,
  emailaddress: text,
  client_id: optionalId,
  client_name: text,
});
export type HaloUser = z.output<typeof UserSchema>;

/**
 * GET /api/Actions?ticket_id= (Halo swagger: `Actions_View`, its `actions` of `Actions_List`): one action (note,
 * email, status change). `hiddenfromuser`: an internal action the end user does not see; `who_agentid` the author's
 * agent id (0 or absent: not an agent), `actionby_user_id` the author's user id (0 or absent: not a user); `datetime`
 * when it happened.
 */
export const ActionSchema = z.object({
  id,
  ticket_id: z.number().int().optional(),
  note: text,
  hiddenfromuser: z.boolean().nullish().transform((v) => v === true),
  who_type: z.number().int().nullish(),
  who_agentid: optionalId,
  actionby_user_id: optionalId,
  outcome: text,
  datetime: HaloDateSchema,
});
export type HaloAction = z.output<typeof ActionSchema>;
export const ActionListSchema = z.object({ record_count: z.number().int().nonnegative(), actions: z.array(ActionSchema) });
/** POST /api/Actions answers the record it created (Halo swagger: 201 with one `Actions`; tolerated: an array of one). */
export const ActionCreatedSchema = z.union([ActionSchema, z.array(ActionSchema).min(1).transform((a) => a[0] as HaloAction)]);

/** POST /api/Tickets answers the ticket it updated (an array of one, on some versions): its id and change stamps. Not Halo's: public client code. */
const TicketUpdatedRecord = z.object({ id, lastactiondate: HaloDateSchema.nullish(), last_update: HaloDateSchema.nullish() });
export const TicketUpdatedSchema = z.union([TicketUpdatedRecord, z.array(TicketUpdatedRecord).min(1).transform((a) => a[0] as z.output<typeof TicketUpdatedRecord>)]);

/**
 * GET /api/Status: the path is in the Halo swagger (`TStatus`); the fields are not Halo's:
 * https://kb.dtctoday.com/books/halopsa-api-reference/page/ticket-configuration-endpoints
 */
export const StatusSchema = z.object({ id: z.number().int(), name: z.string(), type: z.number().int().nullish() });
export type HaloStatus = z.output<typeof StatusSchema>;
export const StatusListSchema = z.array(StatusSchema);

/** GET /api/Agent/me: the agent the application's token acts as (the bot). Not Halo's: public client code. */
export const AgentSchema = z.object({ id, name: text, email: text.optional() });
export type HaloAgent = z.output<typeof AgentSchema>;

/** GET /api/Team (the escalation team, `halo check` only). Not Halo's: public client code. */
export const TeamListSchema = z.array(z.object({ id: z.number().int(), name: z.string(), inactive: z.boolean().nullish() }));

/**
 * POST {HALO_AUTH_URL}/token?tenant=…, form grant_type=client_credentials, client_id, client_secret, scope. The
 * Authorisation Server and the "Client ID and Secret (Services)" method are Halo's (guide "Creating API Applications":
 * https://halocrm.io/guides/article?kbid=1823); the request and answer fields are not Halo's (public client code:
 * https://github.com/homotechsual/HaloAPI/blob/main/Public/Connect-HaloAPI.ps1).
 */
export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
});

/**
 * A Halo webhook (Configuration > Integrations > Webhooks, "Webhook Integration":
 * https://haloitsm.com/guides/article/?kbid=838, https://halocrm.io/guides/article?kbid=838): every payload type carries the delivery's id (a GUID), the event
 * name, the webhook's id and the object's id (the ticket number for ticket events) and a timestamp; "small object" and
 * "full object" payloads add the ticket under `ticket`. Only what names the ticket and the delivery is read: the ticket
 * itself is read back from the API.
 */
export const WebhookSchema = z
  .object({
    id: z.string().min(1).max(200),
    event: z.string().optional(),
    webhook_id: z.union([z.string(), z.number()]).optional(),
    object_id: z.coerce.number().int().positive().optional(),
    timestamp: z.string().optional(),
    ticket: z.object({ id: z.coerce.number().int().positive() }).passthrough().optional(),
  })
  .refine((w) => w.object_id !== undefined || w.ticket !== undefined, { message: 'no object_id (the ticket number) and no ticket', path: ['object_id'] });
export type HaloWebhook = z.output<typeof WebhookSchema>;
