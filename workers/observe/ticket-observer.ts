import type { Logger } from 'pino';
import { TicketingError } from '../../integrations/ticketing/errors.js';
import { PlatformError } from '../../integrations/twofa/errors.js';
import { CLOSING_OUTCOMES, type Effect, TERMINAL_STATES, UNFINISHED_STATES, type WorkflowEvent, type WorkflowState } from '../../workflows/resync/index.js';
import { splitTicketKey } from '../store/keys.js';
import type { Metrics } from './metrics.js';
import type { OpenTicketIndex } from './open-ticket-index.js';
import type { TicketActivity } from './ticket-activity.js';

/** One attempt of an effect, as the effect runner reports it. */
export interface EffectAttempt {
  tk: string;
  effect: Pick<Effect, 'type' | 'id' | 'tenant'>;
  outcome: 'ok' | 'retry' | 'failed';
  error?: unknown;
  at: number;
}

export interface TicketObserverDeps {
  metrics: Metrics;
  index: OpenTicketIndex;
  activity: TicketActivity;
  log: Logger;
  /**
   * the name of the 2FA platform a ticket's tenant uses (its kind: a bounded label), the single platform's for a
   * ticket without a tenant, 'unknown' for a tenant no longer configured
   */
  platformNameOf: (tenant: string | undefined) => string;
  /** configured ticket system names: anything else is labelled 'unknown' */
  systems: ReadonlySet<string>;
  /**
   * the tenant ids the tenants file configures now (read at each count: the file is hot-reloaded). A ticket's
   * tenant no longer among them is labelled `other`; absent (single-platform configuration), or for a ticket
   * without a tenant, the `tenant` label is left out, which Prometheus treats as empty.
   */
  knownTenants?: () => ReadonlySet<string>;
}

/** The label of a tenant removed from the tenants file since its ticket was routed: keeps the label set bounded. */
export const OTHER_TENANT = 'other';

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATES);
const CLOSING: ReadonlySet<string> = new Set(CLOSING_OUTCOMES);
const UNFINISHED: ReadonlySet<string> = new Set(UNFINISHED_STATES);

/**
 * What happens after a transition is committed or an effect attempt ends: metrics, the open-ticket index and the
 * ticket's activity list. Redis writes are not awaited (the workflow does not wait for bookkeeping); a failed one
 * is logged.
 */
export class TicketObserver {
  constructor(private readonly deps: TicketObserverDeps) {}

  applied(tk: string, event: WorkflowEvent, before: WorkflowState | undefined, after: WorkflowState | undefined, effects: Effect[]): void {
    // The processor passes the old state back when nothing changed (a duplicate, or no workflow).
    if (!after || after === before) return;
    const { metrics, index, activity } = this.deps;
    const from = before?.status;
    const to = after.status;
    if (!before && after.rebuiltAt !== undefined) metrics.workflowsRebuilt.inc({ system: this.system(after.ticket.system) });
    if (from !== to) {
      const step = stepDuration(before, after);
      if (step) metrics.stepDuration.observe({ step: step.step }, step.seconds);
      if (TERMINAL.has(to)) metrics.ticketsFinished.inc({ outcome: to, system: this.system(after.ticket.system), platform: this.deps.platformNameOf(after.tenant), ...this.tenantLabel(after) });
      if (UNFINISHED.has(to)) this.unfinished(tk, event, from, after);
      this.save(tk, to, 'open-ticket index', index.move(tk, to, after.updatedAt));
    }
    const entry = { kind: 'event' as const, at: event.at, event: event.type, eventId: event.id, effects: effects.map((e) => e.type) };
    this.save(tk, to, 'activity', activity.add(tk, from !== to ? { ...entry, ...(from ? { from } : {}), to } : entry));
  }

  /**
   * A round the bot ended but the ticket system did not record: an error line an alert can match (one as the
   * ticket leaves its outcome, one each time even the simpler update failed), and the count of rounds counted
   * finished that were not (`ticketsFinished` minus this, per outcome, is what really ended).
   */
  private unfinished(tk: string, event: WorkflowEvent, from: string | undefined, after: WorkflowState): void {
    const failure = after.deskFailure;
    const fields = { tk, state: after.status, from, outcome: failure?.outcome, event: event.type };
    if (from !== undefined && CLOSING.has(from)) {
      this.deps.metrics.finalUpdateFailures.inc({ outcome: from, system: this.system(after.ticket.system), platform: this.deps.platformNameOf(after.tenant), ...this.tenantLabel(after) });
      this.deps.log.error({ ...fields, reason: failure?.reason }, 'ticket not finished: the ticket system did not take its last update; a note for an agent went in its place');
    } else if (after.status === 'stuck') {
      const retryAt = after.timer ? new Date(after.timer.dueAt).toISOString() : undefined;
      this.deps.log.error(
        { ...fields, reason: failure?.fallbackReason, firstReason: failure?.reason, ...(retryAt ? { retryAt } : {}) },
        `ticket stuck: the ticket system took none of the bot's updates, nothing on the ticket shows it; ${retryAt ? 'the note for an agent is tried again at retryAt' : 'no retry can help: an operator must act (ticket escalate | handoff)'}`,
      );
    }
  }

  effect(attempt: EffectAttempt): void {
    const { metrics, activity } = this.deps;
    const { tk, effect, outcome, error } = attempt;
    metrics.effects.inc({ effect: effect.type, outcome });
    const failure = outcome === 'ok' ? undefined : describeError(error);
    if (failure) metrics.effectFailures.inc({ integration: this.integrationOf(tk, effect.type, error, effect.tenant), effect: effect.type, reason: failure.name });
    this.save(
      tk,
      undefined,
      'activity',
      activity.add(tk, { kind: 'effect', at: attempt.at, effect: effect.type, effectId: effect.id, outcome, ...(failure ? { error: failure.name, reason: failure.reason } : {}) }),
    );
  }

  /**
   * The integration an effect failure came from: the error's own family first, the effect's target otherwise (a
   * platform effect's is its tenant's platform).
   */
  integrationOf(tk: string, effectType: string, error: unknown, tenant?: string): string {
    const system = this.system(splitTicketKey(tk).system);
    if (error instanceof TicketingError) return system;
    if (error instanceof PlatformError) return this.deps.platformNameOf(tenant);
    if (effectType === 'updateTicket') return system;
    if (effectType === 'setTimer') return 'timers';
    return this.deps.platformNameOf(tenant);
  }

  private system(name: string): string {
    return this.deps.systems.has(name) ? name : 'unknown';
  }

  /**
   * Left out without a tenant, so the single-platform series keep the label set (and the identity in
   * Prometheus) they had before tenants existed.
   */
  private tenantLabel(state: WorkflowState): { tenant?: string } {
    if (state.tenant === undefined) return {};
    return { tenant: this.deps.knownTenants?.().has(state.tenant) ? state.tenant : OTHER_TENANT };
  }

  private save(tk: string, state: string | undefined, what: string, write: Promise<unknown>): void {
    write.catch((err: Error) => this.deps.log.warn({ tk, state, error: err.name, reason: err.message }, `${what} not saved`));
  }
}

/** Time spent in the state a transition left; undefined when the state did not change. */
export function stepDuration(before: WorkflowState | undefined, after: WorkflowState): { step: string; seconds: number } | undefined {
  if (!before || before.status === after.status) return undefined;
  const entered = before.history.findLast((h) => h.to === before.status)?.at ?? before.createdAt;
  return { step: before.status, seconds: Math.max(0, after.updatedAt - entered) / 1000 };
}

/** A metric-safe error name (class names are bounded; anything else becomes 'Error') and its reason. */
export function describeError(error: unknown): { name: string; reason: string } {
  const e = (error ?? {}) as { name?: unknown; reason?: unknown; message?: unknown };
  const name = typeof e.name === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(e.name) ? e.name : 'Error';
  const reason = typeof e.reason === 'string' ? e.reason : typeof e.message === 'string' ? e.message : '';
  return { name, reason: reason.slice(0, 300) };
}
