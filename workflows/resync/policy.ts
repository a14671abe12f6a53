import { z } from 'zod';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Message templates the workflow renders; every field may be overridden per language in policy. */
export const TemplateOverridesSchema = z.record(z.string(), z.string());

export const GroupMappingSchema = z
  .object({
    /** email domain (lower case, no @) → platform group name */
    byDomain: z.record(z.string(), z.string()).default({}),
    /** group used when the domain has no mapping; unset means "escalate" */
    defaultGroup: z.string().min(1).optional(),
  })
  .default({ byDomain: {} });

/** The workflow's policy: everything an operator may tune. Every field has a production default. */
export const PolicySchema = z.object({
  /** ticket tag that hands a ticket to the bot ("2FA issue" in Zendesk is the tag `2fa_issue`) */
  watchTag: z.string().min(1).default('2fa_issue'),
  /** strict: the requester's email must be the platform user's; approval: an agent approves a mismatch */
  identityRule: z.enum(['strict', 'approval']).default('approval'),
  approveTag: z.string().min(1).default('2fa_approved'),
  rejectTag: z.string().min(1).default('2fa_rejected'),
  /** an agent's internal note whose first word is this approves (or rejects) an identity mismatch */
  approveCommand: z.string().min(1).default('#approve'),
  rejectCommand: z.string().min(1).default('#reject'),
  /** an agent sets this tag to take the ticket over; the bot goes silent */
  handoffTag: z.string().min(1).default('2fa_bot_off'),
  escalatedTag: z.string().min(1).default('2fa_bot_escalated'),
  resolvedTag: z.string().min(1).default('2fa_bot_resolved'),
  groupMapping: GroupMappingSchema,
  reminderAfterMs: z.number().int().positive().default(4 * HOUR),
  maxReminders: z.number().int().min(0).default(2),
  timeoutAfterMs: z.number().int().positive().default(72 * HOUR),
  /** what the time-out of a waiting state does: close the ticket as "no response", or escalate */
  onTimeout: z.enum(['close', 'escalate']).default('close'),
  /** failed code/response attempts (unusable replies and rejected resyncs) before escalation */
  maxAttempts: z.number().int().positive().default(3),
  /**
   * where an escalation sends the ticket, in place of the ticket system's configured target: the desk's own id of the
   * group, queue, team or board (docs/tenants.md says which per desk). Unset: the configured target.
   */
  escalationTarget: z.string().trim().min(1).max(200).optional(),
  /** resyncs one platform user may ask for per UTC day, across all tickets; past it the ticket goes to a human */
  maxResyncsPerUserPerDay: z.number().int().positive().default(5),
  /** before sending a re-test reminder, ask the platform whether the user logged in since the resync */
  checkAuthLogOnReminder: z.boolean().default(true),
  /**
   * after a resync, on a platform with an authentication log, how often the bot looks there for the requester's
   * successful login (so that they need not write "works"): every authWatchEveryMs for the first authWatchForMs after
   * the resync, then at the reminders as usual. authWatchForMs 0: no watch, the bot waits for the requester's word.
   */
  authWatchEveryMs: z.number().int().positive().default(MINUTE),
  authWatchForMs: z.number().int().nonnegative().default(15 * MINUTE),
  /**
   * SLA targets, measured on the wall clock from the ticket's start (time spent waiting on the end user counts).
   * First reply: the first public reply on the ticket; resolution: the bot closing the ticket.
   */
  firstReplyTargetMs: z.number().int().positive().default(15 * MINUTE),
  resolutionTargetMs: z.number().int().positive().default(24 * HOUR),
  /** how long before a target is breached an open ticket goes to a human (reason sla_risk) */
  slaWarnBeforeMs: z.number().int().nonnegative().default(10 * MINUTE),
  /** false: the targets are only measured (SLA records), never acted on */
  escalateOnSlaRisk: z.boolean().default(true),
  /**
   * live: the bot acts; shadow: it reads the platform and writes only internal notes with what it would do, an agent
   * applies each step (applyTag / applyCommand); approve-changes: it talks to the requester but waits for an agent's
   * approval (approveChangeTag / approveChangeCommand) before each account change (docs/modes.md)
   */
  mode: z.enum(['live', 'shadow', 'approve-changes']).default('live'),
  /** shadow mode: an agent's tag or internal-note command (its first word) that carries out the step the bot proposed */
  applyTag: z.string().min(1).default('2fa_apply'),
  applyCommand: z.string().min(1).default('#apply'),
  /** approve-changes mode: an agent's tag or internal-note command that approves the account change the bot asks for */
  approveChangeTag: z.string().min(1).default('2fa_approve_change'),
  approveChangeCommand: z.string().min(1).default('#approve-change'),
  language: z.string().min(2).default('en'),
  /** per language, template name → text with {{placeholders}} */
  templates: z.record(z.string(), TemplateOverridesSchema).default({}),
});

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

export function parsePolicy(input: PolicyInput = {}): Policy {
  return PolicySchema.parse(input);
}
