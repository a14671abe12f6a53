// What the rest of the project may use of the workflow: workers and integrations import from here only.
export * from './model.js';
export * from './events.js';
export * from './effects.js';
export * from './state.js';
export * from './policy.js';
export * from './platform-traits.js';
export * from './reply-parser.js';
export * from './templates.js';
export { LocaleSchema, normaliseLocale } from './language.js';
export { templateOverrideProblems } from './language-overrides.js';
export { MAX_PROPOSALS, PROPOSAL_OUTCOMES, PROPOSAL_STEPS, ProposalOutcomeSchema, ProposalStepSchema, type Mode, type ProposalOutcome, type ProposalStep } from './mode-proposal.js';
export { guardedWrite, refusedWrite, strictestMode } from './mode-writes.js';
export { changesTicket, isLateUpdate, lateRemainder } from './late-update.js';
export { isMootTimer, timersMadeMoot, type TimerRef } from './moot-timer.js';
export { replayedId } from './transition-rebuild.js';
export { maskCodes } from './sanitize.js';
export { isAwaited } from './transition-step.js';
export { initialState, isInert, transition, type TenantRoute, type TransitionResult } from './transition.js';
