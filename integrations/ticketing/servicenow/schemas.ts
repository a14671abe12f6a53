import { z } from 'zod';

/*
 * Every shape read from ServiceNow, with the page it comes from (see README.md, "Shapes and their sources").
 * The Table API is read with sysparm_display_value=false (actual values: choice values, sys_ids, dates in UTC
 * "YYYY-MM-DD HH:MM:SS") and sysparm_exclude_reference_link=true; a reference still given as {link, value} is taken too.
 * https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html
 */

/** A reference field: the referenced record's sys_id, "" when empty; {value, link} when links are not excluded. */
export const ReferenceSchema = z.union([z.string(), z.object({ value: z.string() }).transform((r) => r.value)]);

/** A glide_date_time actual value: UTC, "YYYY-MM-DD HH:MM:SS" (Table API: "the database value is in UTC format"). */
export const GlideDateTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'a UTC date "YYYY-MM-DD HH:MM:SS" (sysparm_display_value=false)');

/** The instant of a glide_date_time actual value (UTC, whatever the instance's or the user's time zone). */
export function glideTimeMs(value: string): number {
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

/** The incident fields the adapter reads (Table API "GET /now/table/{tableName}/{sys_id}" example: an incident). */
export const IncidentSchema = z.object({
  sys_id: z.string().min(1),
  number: z.string().min(1),
  short_description: z.string(),
  /** what the caller wrote when they raised it (on the portal, or an agent for them): its language is the first guess */
  description: z.string().optional(),
  state: z.string().min(1),
  hold_reason: z.string().optional(),
  category: z.string(),
  subcategory: z.string(),
  caller_id: ReferenceSchema,
  assignment_group: ReferenceSchema,
  active: z.enum(['true', 'false']),
  sys_updated_on: GlideDateTimeSchema,
  sys_updated_by: z.string(),
});
export type Incident = z.output<typeof IncidentSchema>;
export const INCIDENT_FIELDS = Object.keys(IncidentSchema.shape).join(',');

export const IncidentResultSchema = z.object({ result: IncidentSchema });

/** The poller's list: sysparm_fields=sys_id,sys_updated_on. */
export const IncidentSummarySchema = z.object({ sys_id: z.string().min(1), sys_updated_on: GlideDateTimeSchema });
export const IncidentListSchema = z.object({ result: z.array(IncidentSummarySchema) });

/** sys_user: the caller (email, user_name = "User ID", name), and the bot itself. */
export const SysUserSchema = z.object({
  sys_id: z.string().min(1),
  user_name: z.string(),
  email: z.string(),
  name: z.string(),
  /**
   * the user's Language ("de", "fr"; "" when none is set and the instance's default applies: "Internationalization
   * support", the session language's third source). Optional: an ACL may hide the column, which only costs the hint.
   */
  preferred_language: z.string().optional(),
});
export type SysUser = z.output<typeof SysUserSchema>;
export const SYS_USER_FIELDS = Object.keys(SysUserSchema.shape).join(',');
export const SysUserResultSchema = z.object({ result: SysUserSchema });
export const SysUserListSchema = z.object({ result: z.array(SysUserSchema) });

/**
 * sys_journal_field: one journal entry. `element` is the journal field (comments: "Additional comments", visible to
 * the caller; work_notes: internal), `element_id` the record's sys_id, `name` its table, `sys_created_by` the author's
 * user_name. ("Journal fields"; "Retrieve journal entries using direct web services".)
 */
export const JournalEntrySchema = z.object({
  sys_id: z.string().min(1),
  element: z.string(),
  element_id: z.string(),
  value: z.string(),
  sys_created_on: GlideDateTimeSchema,
  sys_created_by: z.string(),
});
export type JournalEntry = z.output<typeof JournalEntrySchema>;
export const JOURNAL_FIELDS = Object.keys(JournalEntrySchema.shape).join(',');
export const JournalListSchema = z.object({ result: z.array(JournalEntrySchema) });

/** sys_choice: a field's choices per language ("Choice table": Table, Element, Language, Value, Label, Sequence). */
export const ChoiceSchema = z.object({
  element: z.string(),
  value: z.string(),
  label: z.string(),
  inactive: z.enum(['true', 'false']).optional(),
});
export type Choice = z.output<typeof ChoiceSchema>;
export const CHOICE_FIELDS = Object.keys(ChoiceSchema.shape).join(',');
export const ChoiceListSchema = z.object({ result: z.array(ChoiceSchema) });

/** sys_user_group: the escalation group (`twofa-desk servicenow check` only). */
export const GroupResultSchema = z.object({ result: z.object({ sys_id: z.string().min(1), name: z.string(), active: z.enum(['true', 'false']).optional() }) });

/** POST /oauth_token.do, grant_type=client_credentials ("Client credentials grant workflow"). */
export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
});

/** An error answer of the REST API: {"error": {"message", "detail"}, "status": "failure"}. */
export const ErrorBodySchema = z.object({
  error: z.object({ message: z.string().optional(), detail: z.string().nullish() }),
  status: z.string().optional(),
});

/**
 * The notification the README's Business Rule posts (our own format, signed with SERVICENOW_WEBHOOK_SECRET): the
 * incident's sys_id, number and sys_updated_on as the issue fixes them, what the Business Rule already holds so that most
 * notifications cost no API call (who updated it, insert or update, state, category, caller), a delivery id
 * (gs.generateGUID()) and the time it was signed (GlideDateTime.getNumericValue(): ms since the epoch).
 */
export const NotificationSchema = z.object({
  sys_id: z.string().regex(/^[0-9a-f]{32}$/i, 'a sys_id'),
  number: z.string().min(1),
  sys_updated_on: GlideDateTimeSchema,
  sys_updated_by: z.string(),
  operation: z.enum(['insert', 'update']),
  state: z.string().min(1),
  hold_reason: z.string().optional(),
  category: z.string(),
  subcategory: z.string(),
  caller_id: z.string(),
  short_description: z.string(),
  /** the start of the description (the README's rule sends 2,000 characters); absent from a rule set up before it */
  description: z.string().optional(),
  delivery_id: z.string().min(1).max(200),
  sent_at: z.coerce.number().int().positive(),
});
export type Notification = z.output<typeof NotificationSchema>;
