import { z } from 'zod';
import { CommentAddedSchema } from './events.js';
import { RequesterSchema, TicketStatusSchema } from './model.js';

/**
 * Effects are instructions a worker carries out through an integration. Their ids are made by the
 * transition (`<round>.<seq>.<index>`), so the result event can name the effect it answers. Effects never
 * carry OTP codes: a resync names the comment that holds them and the worker reads it at the time of use.
 */
const base = {
  id: z.string().min(1),
  /** the ticket's tenant (state.tenant), on effects that go to a 2FA platform: the worker uses that tenant's platform */
  tenant: z.string().min(1).max(64).optional(),
};

export const LocateUserSchema = z.object({ type: z.literal('locateUser'), ...base, requester: RequesterSchema });
export const ReadGroupsSchema = z.object({ type: z.literal('readGroups'), ...base, userId: z.string() });
export const AddToGroupSchema = z.object({ type: z.literal('addToGroup'), ...base, userId: z.string(), group: z.string() });
export const ReadTokensSchema = z.object({ type: z.literal('readTokens'), ...base, userId: z.string() });
export const StartChallengeSchema = z.object({ type: z.literal('startChallenge'), ...base, userId: z.string(), serial: z.string() });
export const ResyncOtpSchema = z.object({
  type: z.literal('resyncOtp'),
  ...base,
  userId: z.string(),
  serial: z.string(),
  /** the end user's comment that holds the two codes */
  commentId: z.string(),
  codeLength: z.union([z.literal(6), z.literal(8)]),
  /** sent by a workflow rebuilt from the ticket: the lost one may have sent these very codes (see EffectContext) */
  rebuilt: z.boolean().optional(),
  /** the policy's maxResyncsPerUserPerDay (the tenant's own): the worker's global limit applies when unset */
  maxResyncsPerUserPerDay: z.number().int().positive().optional(),
});
export const ResyncChallengeSchema = z.object({
  type: z.literal('resyncChallenge'),
  ...base,
  userId: z.string(),
  serial: z.string(),
  challenge: z.string(),
  /** the end user's comment that holds the response */
  commentId: z.string(),
  codeLength: z.union([z.literal(6), z.literal(8)]),
  rebuilt: z.boolean().optional(),
  maxResyncsPerUserPerDay: z.number().int().positive().optional(),
});
/** The platform cannot resync: the worker reads the codes from the comment and holds them for an agent's one-time page. */
export const HoldCodesSchema = z.object({
  type: z.literal('holdCodes'),
  ...base,
  userId: z.string(),
  serial: z.string(),
  tokenType: z.string(),
  commentId: z.string(),
  codeLength: z.union([z.literal(6), z.literal(8)]),
});
export const CheckAuthLogSchema = z.object({
  type: z.literal('checkAuthLog'),
  ...base,
  userId: z.string(),
  /** only authentications at or after this time (ms) count */
  since: z.number().int(),
});
/** One ticket update per step: folded so that a ticket system that allows it makes it one API call. */
export const UpdateTicketSchema = z.object({
  type: z.literal('updateTicket'),
  ...base,
  publicReply: z.string().optional(),
  internalNote: z.string().optional(),
  status: TicketStatusSchema.optional(),
  addTags: z.array(z.string()).default([]),
  removeTags: z.array(z.string()).default([]),
  /** assign the ticket to the configured escalation group */
  escalate: z.boolean().default(false),
  /**
   * with `escalate`: the target the policy names (escalationTarget, the desk's own id of a group, queue, team or board)
   * in place of the configured one; the adapter checks its form for its desk
   */
  escalateTo: z.string().min(1).max(200).optional(),
  /**
   * this update tells how the round ended (resolved, timed out, escalated, not finished): the ticket system marks its
   * comments so, and a workflow lost after it is never rebuilt (the bot left the ticket); unset in the middle of a round
   */
  ends: z.boolean().optional(),
});
/**
 * Hands the requester's comments a rebuilt workflow held back (stored, without text) to the ticket's inbox again,
 * now that it is ready for them: the worker appends them under ids of their own and reads their text as usual.
 */
export const ReplayCommentsSchema = z.object({
  type: z.literal('replayComments'),
  ...base,
  comments: z.array(CommentAddedSchema).min(1),
});
export const SetTimerSchema = z.object({
  type: z.literal('setTimer'),
  ...base,
  timerId: z.string().min(1),
  kind: z.enum(['reminder', 'timeout', 'sla_risk']),
  dueAt: z.number().int(),
});

export const EffectSchema = z.discriminatedUnion('type', [
  LocateUserSchema,
  ReadGroupsSchema,
  AddToGroupSchema,
  ReadTokensSchema,
  StartChallengeSchema,
  ResyncOtpSchema,
  ResyncChallengeSchema,
  HoldCodesSchema,
  CheckAuthLogSchema,
  UpdateTicketSchema,
  SetTimerSchema,
  ReplayCommentsSchema,
]);

export type Effect = z.infer<typeof EffectSchema>;
export type EffectType = Effect['type'];
export type EffectOf<T extends EffectType> = Extract<Effect, { type: T }>;
/** Effects whose outcome comes back as an event the workflow waits for. */
/**
 * Effects that change nothing anywhere (reads of the 2FA platform): one may run before the transition that asked for
 * it is saved, since running it again (after a crash, or on a newer state) does no harm.
 */
export const READ_ONLY_EFFECTS = ['locateUser', 'readGroups', 'readTokens', 'checkAuthLog'] as const satisfies readonly EffectType[];
const READ_ONLY: ReadonlySet<EffectType> = new Set(READ_ONLY_EFFECTS);

export function isReadOnly(effect: Pick<Effect, 'type'>): boolean {
  return READ_ONLY.has(effect.type);
}

export const AWAITED_EFFECTS = [
  'locateUser',
  'readGroups',
  'addToGroup',
  'readTokens',
  'startChallenge',
  'resyncOtp',
  'resyncChallenge',
  'holdCodes',
  'checkAuthLog',
] as const satisfies readonly EffectType[];
