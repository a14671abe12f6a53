import { z } from 'zod';
import { CommentAddedSchema, MatchedBySchema } from './events.js';
import { PlatformUserSchema, RequesterSchema, TokenInfoSchema } from './model.js';
import { PlatformTraitsSchema } from './platform-traits.js';
import { LanguageSchema, LanguageSourceSchema } from './language.js';
import { MAX_PROPOSALS, ModeSchema, ProposalRecordSchema, ProposalSchema } from './mode-proposal.js';

export const StateNameSchema = z.enum([
  'received',
  'locating_user',
  'awaiting_approval',
  'checking_group',
  'inspecting_tokens',
  'awaiting_codes',
  'awaiting_response',
  'resyncing',
  'awaiting_retest',
  'update_failed',
  'stuck',
  'resolved',
  'timed_out',
  'escalated',
  'handed_off',
]);
export type StateName = z.infer<typeof StateNameSchema>;
export const STATE_NAMES = StateNameSchema.options;

/** States in which the bot waits for a person (end user or agent); each has reminder and time-out timers. */
export const WAITING_STATES = ['awaiting_approval', 'awaiting_codes', 'awaiting_response', 'awaiting_retest'] as const satisfies readonly StateName[];
/** States the bot does not leave by itself. resolved and timed_out start a new round when the requester writes again. */
export const TERMINAL_STATES = ['resolved', 'timed_out', 'escalated', 'handed_off'] as const satisfies readonly StateName[];
/** The terminal states that write on the ticket: their update is what tells people how the round ended. */
export const CLOSING_OUTCOMES = ['resolved', 'timed_out', 'escalated'] as const satisfies readonly StateName[];
export type ClosingOutcome = (typeof CLOSING_OUTCOMES)[number];
/**
 * The bot ended the round but the ticket system did not take the update that says so: the round is not done, and
 * the ticket waits for a person. `update_failed`: a simpler update (internal note, status open, escalated tag) went
 * in its place; `stuck`: that failed as well, so nothing on the ticket shows it.
 */
export const UNFINISHED_STATES = ['update_failed', 'stuck'] as const satisfies readonly StateName[];

export const EscalationReasonSchema = z.enum([
  'user_not_found',
  'users_ambiguous',
  'identity_mismatch',
  'no_group_mapping',
  'no_token',
  'several_tokens',
  'token_locked',
  'token_unsupported',
  'max_attempts',
  'retest_failed',
  'no_response',
  'effect_failed',
  'not_requester',
  'resync_not_automated',
  'group_not_automated',
  /** an SLA target was about to be breached (workflows/resync/transition-sla.ts) */
  'sla_risk',
  'operator_request',
  /** no tenant, or more than one, matches the ticket (TENANTS_FILE): the bot never guesses whose 2FA platform to use */
  'tenant_unknown',
  /** the bot sent as many resyncs as the platform's lock-out allows (platform.resyncTriesPerTicket) */
  'lockout_risk',
  /** the API cannot resync: the bot collected the codes and an agent types them in the console (one-time page) */
  'resync_assisted',
  /** the platform user had policy.maxResyncsPerUserPerDay successful resyncs today */
  'resync_limit',
  /** the resync worked, but the token is at its fail limit and the bot could not reset the fail counter */
  'fail_limit',
  /** approve-changes mode: no agent approved the account change the bot asked for before the time-out */
  'change_not_approved',
]);
export type EscalationReason = z.infer<typeof EscalationReasonSchema>;

export const HistoryEntrySchema = z.object({
  at: z.number().int(),
  event: z.string(),
  from: StateNameSchema,
  to: StateNameSchema,
  note: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const TimerSchema = z.object({
  id: z.string(),
  kind: z.enum(['reminder', 'timeout']),
  dueAt: z.number().int(),
});

/**
 * The whole of one ticket's workflow, as stored (JSON in Redis). Holds no OTP code or challenge response:
 * a reply with codes is remembered by its comment id only.
 */
/** requester comments a workflow holds back at most while it is busy (more go to an agent) */
export const MAX_DEFERRED = 20;

export const WorkflowStateSchema = z.object({
  ticket: z.object({ system: z.string(), id: z.string(), subject: z.string().default(''), requester: RequesterSchema }),
  status: StateNameSchema,
  /**
   * the customer's tenant (TENANTS_FILE) the ticket was routed to when its workflow began: fixed for the ticket's
   * life, it chooses the 2FA platform and the policy. None: the single-platform configuration (one implicit tenant).
   */
  tenant: z.string().min(1).max(64).optional(),
  /**
   * the language of the replies to the requester, and where it came from (language-choice.ts, docs/languages.md):
   * the requester's locale, fixed; else their first message (the description) or first comment whose language tells,
   * fixed; else the subject's, until then. None: the policy's language.
   */
  language: LanguageSchema.optional(),
  languageFrom: LanguageSourceSchema.optional(),
  /**
   * the policy's mode when the workflow began (docs/modes.md), fixed for the ticket's life; none: live. The effect
   * executor reads it too: a shadow ticket's platform writes and public replies need an agent's apply.
   */
  mode: ModeSchema.optional(),
  /** the step the bot proposed and holds back until an agent applies (shadow) or approves (approve-changes) it */
  proposal: ProposalSchema.optional(),
  /** every proposal of the ticket and what became of it (bounded, oldest dropped): the mode audit's source */
  proposals: z.array(ProposalRecordSchema).max(MAX_PROPOSALS).optional(),
  /** 1 for the first pass; a reopen by the requester after resolved/timed_out starts the next */
  round: z.number().int().positive(),
  /** counts transitions that emitted effects; effect ids are `<round>.<seq>.<index>` */
  seq: z.number().int().nonnegative(),
  /** id of the effect whose result the state waits for; other results are stale */
  awaiting: z.string().optional(),
  user: PlatformUserSchema.optional(),
  /** what the platform's API can do (from the userLocated event) */
  platform: PlatformTraitsSchema.optional(),
  matchedBy: MatchedBySchema.optional(),
  approval: z.enum(['pending', 'approved', 'rejected']).optional(),
  token: TokenInfoSchema.optional(),
  /** the KT-4 challenge shown to the user (public, not a secret) */
  challenge: z.string().optional(),
  /** resyncs sent to the platform on this ticket, all rounds (each may count toward the platform's lock-out) */
  resyncTries: z.number().int().nonnegative().default(0),
  /** failed attempts in this round (unusable replies and rejected resyncs) */
  attempts: z.number().int().nonnegative(),
  /** reminders sent in the current waiting state */
  reminders: z.number().int().nonnegative(),
  /** when the current waiting state began (ms) */
  waitingSince: z.number().int().optional(),
  timer: TimerSchema.optional(),
  resyncedAt: z.number().int().optional(),
  /**
   * awaiting_retest on a platform with an authentication log: the bot watches it for the requester's login until
   * `until` (ms), and the wait's timer (or the check in flight) is a look at the log, not a reminder. Unset: the
   * watch is over (or never began), and the re-test waits with its reminders. See transition-auth-watch.ts.
   */
  authWatch: z.object({ until: z.number().int() }).optional(),
  groupAdded: z.string().optional(),
  /**
   * the group policy maps for a user who has none, added only once the requester has proved possession of the
   * token (a successful resync) or an agent approved: a spoofed sender alone changes no membership
   */
  pendingGroup: z.string().optional(),
  /** the last resync found the token in sync already (its first code simply authenticated) */
  alreadyInSync: z.boolean().optional(),
  escalation: z.object({ reason: EscalationReasonSchema, detail: z.string() }).optional(),
  /**
   * id of the ticket update that tells how the round ended (the closing outcome's, or the simpler one sent in its
   * place): an effectFailed for it means the ticket does not show the round's end
   */
  closingUpdate: z.string().optional(),
  /** why the round is unfinished (update_failed, stuck) */
  deskFailure: z
    .object({
      /** the outcome whose update the ticket system did not take */
      outcome: z.enum(CLOSING_OUTCOMES),
      /** that update's error, as the effect runner reported it */
      reason: z.string(),
      at: z.number().int(),
      /** the simpler update sent last: internal note, status open and the escalated tag; or, once that was refused, the note alone */
      fallback: z.enum(['note_open_tag', 'note']),
      /** simpler updates that failed, and the last one's error */
      failures: z.number().int().nonnegative(),
      fallbackReason: z.string().optional(),
    })
    .optional(),
  /** when the workflow was rebuilt from the ticket after its state was lost (see transition-rebuild.ts) */
  rebuiltAt: z.number().int().optional(),
  /**
   * while a rebuilt workflow catches up with the ticket: `quiet`, the ticket already shows the bot's answer to the
   * event being acted on, so its steps are not written again
   */
  rebuild: z
    .object({
      quiet: z.boolean(),
      /** quiet because the requester's comment being acted on was answered on the ticket (not just the rebuild's start) */
      byAnswer: z.boolean().optional(),
      /**
       * the requester's comment being acted on was on the ticket before the workflow was rebuilt (or answered): the
       * lost workflow may have used its codes
       */
      priorReply: z.boolean().optional(),
    })
    .optional(),
  /**
   * the requester's comments that came while the workflow was busy (resyncing; a rebuilt one also while it reads the
   * user again), stored without text, handed back to the inbox once it waits for them
   */
  held: z.array(CommentAddedSchema).max(MAX_DEFERRED).optional(),
  /**
   * the event ids under which held comments were handed back to the inbox and have not come back yet: a comment
   * that comes live meanwhile waits behind them (held), as it was written after them
   */
  replaying: z.array(z.string()).max(MAX_DEFERRED).optional(),
  /** ids of the last events applied (bounded), so a duplicate changes nothing */
  appliedEventIds: z.array(z.string()),
  /** bounded trail of transitions, for the agents' note and `ticket show` */
  history: z.array(HistoryEntrySchema),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  /** SLA facts taken from the workflow's own events */
  sla: z.object({
    firstPublicReplyAt: z.number().int().optional(),
    resolvedAt: z.number().int().optional(),
    /** replies from the end user that the bot acted on */
    endUserRoundTrips: z.number().int().nonnegative(),
    /**
     * the requester's comments the workflow acted on in this round (its first message, the ticket itself, not
     * counted): 2 for a resync confirmed with "works", 1 when the bot saw the login itself. Absent in states saved
     * before it was counted.
     */
    requesterMessages: z.number().int().nonnegative().optional(),
    /** ms spent in waiting states, summed */
    waitingMs: z.number().int().nonnegative(),
  }),
});
export type WorkflowState = z.infer<typeof WorkflowStateSchema>;

export const MAX_APPLIED_EVENT_IDS = 200;
export const MAX_HISTORY = 100;
