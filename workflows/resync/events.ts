import { z } from 'zod';
import { ActorRoleSchema, PlatformUserSchema, TicketSnapshotSchema, TicketStatusSchema, TokenInfoSchema } from './model.js';
import { PlatformTraitsSchema } from './platform-traits.js';

/** Every event carries a unique id (the same event applied twice changes nothing) and its time in ms. */
const base = { id: z.string().min(1), at: z.number().int().nonnegative() };
/** Effect results name the effect they answer; a result for an effect the state no longer waits for is stale. */
const result = { ...base, effectId: z.string().min(1) };

/**
 * `past`: what the ticket system shows of the ticket beyond its tags, for a ticket with no workflow (it may have
 * expired): `watchTagAdded`, this event comes from an agent's (or the help desk's) change that added the watch tag,
 * a deliberate (re)open; `botCommented`, the ticket carries a comment of the bot's (its marker, or the bot as author);
 * `botMidRound`, the bot's last comment was written in the middle of a round (its marker does not say the round
 * ended), at `botLastAt` (ms): a workflow whose state was lost (a Redis failover) may be rebuilt from the ticket.
 * An adapter that cannot tell leaves both out, and such a ticket stays left.
 */
export const TicketTaggedSchema = z.object({
  type: z.literal('ticketTagged'),
  ...base,
  ticket: TicketSnapshotSchema,
  past: z
    .object({
      watchTagAdded: z.boolean().optional(),
      botCommented: z.boolean().optional(),
      botMidRound: z.boolean().optional(),
      botLastAt: z.number().int().nonnegative().optional(),
    })
    .optional(),
});

/**
 * A comment on the ticket. `text` is present only in memory (the worker reads it from the ticket system
 * just before the transition): comments can hold OTP codes, so stored events never carry it.
 */
export const CommentAddedSchema = z.object({
  type: z.literal('commentAdded'),
  ...base,
  commentId: z.string().min(1),
  authorId: z.string().min(1),
  authorRole: ActorRoleSchema,
  public: z.boolean(),
  text: z.string().optional(),
  /**
   * read from the ticket's history (not from a live notification): a comment of the bot's came after this one, so
   * the bot has answered it; a workflow rebuilt from the ticket acts on it again without writing its answer twice
   */
  answered: z.boolean().optional(),
  /** read from the ticket's history: when the comment was written (ms, the ticket system's clock) */
  writtenAt: z.number().int().nonnegative().optional(),
});

export const TagsChangedSchema = z.object({
  type: z.literal('tagsChanged'),
  ...base,
  tags: z.array(z.string()),
  added: z.array(z.string()).default([]),
  removed: z.array(z.string()).default([]),
  byRole: ActorRoleSchema,
});

export const StatusChangedSchema = z.object({
  type: z.literal('statusChanged'),
  ...base,
  status: TicketStatusSchema,
  byRole: ActorRoleSchema,
});

export const MatchedBySchema = z.enum(['email', 'userName', 'lastName']);
export type MatchedBy = z.infer<typeof MatchedBySchema>;

/** `platform`: what the platform's API can do, so the workflow knows before it asks for codes whether it can use them */
export const UserLocatedSchema = z.object({
  type: z.literal('userLocated'),
  ...result,
  user: PlatformUserSchema,
  matchedBy: MatchedBySchema,
  platform: PlatformTraitsSchema.optional(),
});
export const UserNotFoundSchema = z.object({ type: z.literal('userNotFound'), ...result, tried: z.array(z.string()).default([]) });
export const UsersAmbiguousSchema = z.object({ type: z.literal('usersAmbiguous'), ...result, candidates: z.array(PlatformUserSchema) });
export const GroupsReadSchema = z.object({ type: z.literal('groupsRead'), ...result, groups: z.array(z.string()) });
export const GroupAddedSchema = z.object({ type: z.literal('groupAdded'), ...result, group: z.string() });
export const TokensReadSchema = z.object({ type: z.literal('tokensRead'), ...result, tokens: z.array(TokenInfoSchema) });
export const ChallengeIssuedSchema = z.object({ type: z.literal('challengeIssued'), ...result, challenge: z.string().min(1) });
/** `alreadyInSync`: the first code simply authenticated, so the token was never out of sync (nothing was changed) */
export const ResyncSucceededSchema = z.object({ type: z.literal('resyncSucceeded'), ...result, alreadyInSync: z.boolean().optional() });
/** codes did not match (or the reply no longer holds usable codes); `reason` is safe to show agents */
export const ResyncRejectedSchema = z.object({
  type: z.literal('resyncRejected'),
  ...result,
  /**
   * outcome_unknown: the platform did not answer, so the codes may or may not have been used; fresh ones are needed.
   * lockout_risk: the adapter did not send the codes, since one more failure could lock the user out.
   * resync_limit: not sent, the user already had policy.maxResyncsPerUserPerDay successful resyncs today.
   * fail_limit: the codes matched, but the token is at its fail limit and only an admin's reset lets the user log in.
   */
  reason: z.enum(['codes_not_in_window', 'codes_already_used', 'reply_unusable', 'token_locked', 'outcome_unknown', 'lockout_risk', 'resync_limit', 'fail_limit']),
});
/**
 * The requester's codes are held (encrypted, for minutes) for an agent who types them into the console: `url` is
 * the one-time page that shows them (behind ADMIN_TOKEN); the link itself reveals nothing.
 */
export const CodesHeldSchema = z.object({ type: z.literal('codesHeld'), ...result, url: z.string().min(1), expiresAt: z.number().int() });
export const AuthObservedSchema = z.object({
  type: z.literal('authObserved'),
  ...result,
  success: z.boolean(),
  lastSuccessAt: z.number().int().optional(),
});
/**
 * an effect failed after all its retries; `reason` is the typed error's reason, for the agents' note. `retryable`:
 * false when the system refused it (no retry can help), true when the retries ran out (a later try may succeed);
 * absent in events saved before it existed.
 */
export const EffectFailedSchema = z.object({
  type: z.literal('effectFailed'),
  ...result,
  effectType: z.string(),
  reason: z.string(),
  retryable: z.boolean().optional(),
});

export const ReminderDueSchema = z.object({ type: z.literal('reminderDue'), ...base, timerId: z.string().min(1) });
export const TimeoutDueSchema = z.object({ type: z.literal('timeoutDue'), ...base, timerId: z.string().min(1) });

/** The SLA targets of policy: first public reply, and resolution. */
export const SlaTargetSchema = z.enum(['first_reply', 'resolution']);
export type SlaTarget = z.infer<typeof SlaTargetSchema>;
/** An SLA target of the ticket is about to be breached (fires `slaWarnBeforeMs` before it). */
export const SlaRiskDueSchema = z.object({ type: z.literal('slaRiskDue'), ...base, timerId: z.string().min(1), target: SlaTargetSchema });
/**
 * An operator's command (the `twofa-desk ticket escalate|handoff` CLI), applied in order with the ticket's other
 * events: `escalate` hands the ticket to the escalation group with the operator's reason in the note, `handoff`
 * makes the bot go silent as when an agent takes over. Terminal states ignore it.
 */
export const OperatorCommandSchema = z.object({
  type: z.literal('operatorCommand'),
  ...base,
  action: z.enum(['escalate', 'handoff']),
  reason: z.string().max(500).default(''),
});

export const EventSchema = z.discriminatedUnion('type', [
  TicketTaggedSchema,
  CommentAddedSchema,
  TagsChangedSchema,
  StatusChangedSchema,
  UserLocatedSchema,
  UserNotFoundSchema,
  UsersAmbiguousSchema,
  GroupsReadSchema,
  GroupAddedSchema,
  TokensReadSchema,
  ChallengeIssuedSchema,
  ResyncSucceededSchema,
  ResyncRejectedSchema,
  CodesHeldSchema,
  AuthObservedSchema,
  EffectFailedSchema,
  ReminderDueSchema,
  TimeoutDueSchema,
  SlaRiskDueSchema,
  OperatorCommandSchema,
]);

export type WorkflowEvent = z.infer<typeof EventSchema>;
export type EventType = WorkflowEvent['type'];
export type EventOf<T extends EventType> = Extract<WorkflowEvent, { type: T }>;
export const EVENT_TYPES = EventSchema.options.map((o) => o.shape.type.value) as EventType[];

/** Results of effects: these carry `effectId`. */
export type ResultEvent = Extract<WorkflowEvent, { effectId: string }>;
