import type { Effect } from './effects.js';
import type { Mode } from './mode-proposal.js';
import type { WorkflowState } from './state.js';

/*
 * Defence in depth for shadow and approve-changes modes (docs/modes.md): the effect executor asks this, with the
 * ticket's stored state, before it writes. The workflow holds such writes back itself (transition-mode.ts); this
 * check does not trust it to: a write is let through only when it is one of the effects of a step that carried out
 * a proposal an agent applied (its id starts with that step's prefix, ProposalRecord.appliedAs). A ticket without a
 * stored state (it expired, or a failover lost it) is held to the mode configured for it: nothing proves an apply, so
 * a guarded write fails closed unless that mode is live.
 */

const PLATFORM_WRITES: ReadonlySet<Effect['type']> = new Set(['addToGroup', 'startChallenge', 'resyncOtp', 'resyncChallenge', 'holdCodes']);
const ACCOUNT_CHANGES: ReadonlySet<Effect['type']> = new Set(['addToGroup', 'resyncOtp', 'resyncChallenge']);

/** What a mode lets the bot do only with an agent's word, of this effect; none: the effect may run. */
export function guardedWrite(mode: WorkflowState['mode'], effect: Effect): string | undefined {
  if (mode === 'shadow') {
    if (PLATFORM_WRITES.has(effect.type)) return `${effect.type} (a platform write)`;
    if (effect.type === 'updateTicket') {
      if (effect.publicReply !== undefined) return 'a public reply';
      if (effect.status !== undefined) return `setting the ticket ${effect.status}`;
      if (effect.escalate) return 'assigning the escalation group';
    }
    return undefined;
  }
  if (mode === 'approve-changes' && ACCOUNT_CHANGES.has(effect.type)) return `${effect.type} (an account change)`;
  return undefined;
}

/**
 * Why the effect may not run for a ticket in this state, or undefined when it may: it writes what the ticket's mode
 * holds for an agent, and it is not among the effects of a step that carried out an agent's apply. `configured`: the
 * mode the deployment sets for the ticket (its tenant's policy, or the global one), which decides when no state is left.
 */
export function refusedWrite(state: WorkflowState | undefined, effect: Effect, configured: Mode): string | undefined {
  if (!state) {
    const what = guardedWrite(configured, effect);
    return what === undefined ? undefined : `${what} for a ticket with no stored workflow state, whose configured mode is ${configured}`;
  }
  const what = guardedWrite(state.mode, effect);
  if (what === undefined) return undefined;
  const applied = (state.proposals ?? []).some((p) => p.outcome === 'applied' && p.appliedAs !== undefined && effect.id.startsWith(`${p.appliedAs}.`));
  return applied ? undefined : `${what} on a ${state.mode} ticket that no agent applied`;
}

/**
 * The mode that guards the most of several (shadow holds back all that approve-changes does, and more): the mode of a
 * ticket whose tenant is not known, in a deployment whose tenants' modes differ.
 */
export function strictestMode(modes: readonly Mode[]): Mode {
  if (modes.includes('shadow')) return 'shadow';
  return modes.includes('approve-changes') ? 'approve-changes' : 'live';
}
