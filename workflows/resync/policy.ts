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
  /** resyncs one platform user may ask for per UTC day, across all tickets; past it the ticket goes to a human */
  maxResyncsPerUserPerDay: z.number().int().positive().default(5),
  /** before sending a re-test reminder, ask the platform whether the user logged in since the resync */
  checkAuthLogOnReminder: z.boolean().default(true),
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
  language: z.string().min(2).default('en'),
  /** per language, template name → text with {{placeholders}} */
  templates: z.record(z.string(), TemplateOverridesSchema).default({}),
});

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

export function parsePolicy(input: PolicyInput = {}): Policy {
  return PolicySchema.parse(input);
}
