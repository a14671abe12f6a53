import type { EffectOf } from './effects.js';
import { TERMINAL_STATES, UNFINISHED_STATES, type StateName, type WorkflowState } from './state.js';

/*
 * Ticket updates are not waited for: a step's update whose first try failed is retried with backoff, and a failover
 * can put one back in the outbox, while the workflow goes on. An update from the middle of a round can so reach the
 * ticket system after the update that ended the round, and its status ("pending": waiting for the requester) would
 * then undo the end's, and its reply ask for codes nobody reads any more. The effect executor asks this, with the
 * ticket's stored state, before it sends an update from the middle of a round.
 */

const ENDED: ReadonlySet<StateName> = new Set([...TERMINAL_STATES, ...UNFINISHED_STATES]);

/** The step an effect id (`<round>.<seq>.<index>`) came from; undefined for an id of another shape. */
function stepOf(effectId: string): { round: number; seq: number } | undefined {
  const [round, seq] = effectId.split('.').map(Number);
  return Number.isInteger(round) && Number.isInteger(seq) ? { round: round!, seq: seq! } : undefined;
}

/**
 * Whether this update comes from a step before the one that ended the ticket's round (or handed it to an agent):
 * only its internal note may still be written. An update that ends a round itself is never late (sending an end again
 * is how an unfinished round is finished).
 */
export function isLateUpdate(state: WorkflowState | undefined, effect: EffectOf<'updateTicket'>): boolean {
  if (!state || effect.ends === true || !ENDED.has(state.status)) return false;
  const step = stepOf(effect.id);
  if (!step) return false;
  return step.round < state.round || (step.round === state.round && step.seq < state.seq);
}

/** Whether an update changes what the requester or an agent's queue sees (a late one must not). */
export function changesTicket(effect: EffectOf<'updateTicket'>): boolean {
  return effect.publicReply !== undefined || effect.status !== undefined || effect.escalate || effect.addTags.length > 0 || effect.removeTags.length > 0;
}

/** What is left to send of a late update: its internal note alone (agents read the ticket's history), or nothing. */
export function lateRemainder(effect: EffectOf<'updateTicket'>): EffectOf<'updateTicket'> | undefined {
  if (effect.internalNote === undefined) return undefined;
  return { type: 'updateTicket', id: effect.id, internalNote: effect.internalNote, addTags: [], removeTags: [], escalate: false };
}
