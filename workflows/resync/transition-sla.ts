import type { SlaTarget } from './events.js';
import { formatUtc } from './format-time.js';
import type { Policy } from './policy.js';
import { escalate } from './transition-outcomes.js';
import type { Step } from './transition-step.js';

/*
 * SLA targets (policy firstReplyTargetMs, resolutionTargetMs) run on the wall clock from the ticket's start:
 * time spent waiting on the end user counts, as the requester experiences it. A timer fires slaWarnBeforeMs
 * before each target; if the ticket is still open and that milestone not yet met, a human takes over before
 * the breach. Targets belong to the ticket, not to a round: a reopened ticket is not timed again.
 */

const TARGETS: readonly SlaTarget[] = ['first_reply', 'resolution'];

const LABEL: Record<SlaTarget, string> = { first_reply: 'first-reply', resolution: 'resolution' };

/** Deterministic, so a timer queued twice is one job and a stray id is recognised. */
export function slaTimerId(target: SlaTarget): string {
  return `1.sla.${target}`;
}

export function slaTargetMs(target: SlaTarget, policy: Pick<Policy, 'firstReplyTargetMs' | 'resolutionTargetMs'>): number {
  return target === 'first_reply' ? policy.firstReplyTargetMs : policy.resolutionTargetMs;
}

/** At the ticket's start: one timer per target, due the warning margin before it. */
export function startSlaTimers(step: Step): void {
  const { s, policy } = step;
  if (!policy.escalateOnSlaRisk || s.round !== 1) return;
  for (const target of TARGETS) {
    step.addFixedTimer(slaTimerId(target), 'sla_risk', Math.max(s.createdAt, s.createdAt + slaTargetMs(target, policy) - policy.slaWarnBeforeMs));
  }
}

/** An SLA timer fired: escalate unless the milestone was met, the ticket ended, or the timer is not ours. */
export function onSlaRiskDue(step: Step): void {
  const { s, policy, event: e } = step;
  if (e.type !== 'slaRiskDue' || e.timerId !== slaTimerId(e.target) || !policy.escalateOnSlaRisk) return;
  if (s.round !== 1) return;
  if (e.target === 'first_reply' && s.sla.firstPublicReplyAt !== undefined) return;
  const targetMs = slaTargetMs(e.target, policy);
  const breachAt = s.createdAt + targetMs;
  const detail = `the ${LABEL[e.target]} target (${minutes(targetMs)} from the ticket's start at ${formatUtc(s.createdAt)}) will be breached at ${formatUtc(breachAt)}; the bot was in ${s.status}`;
  escalate(step, 'sla_risk', detail);
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m % 60 === 0 && m >= 60 ? `${m / 60} h` : `${m} min`;
}
