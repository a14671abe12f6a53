import type { Logger } from 'pino';
import { releasesHeldCodes } from '../assist/held-codes-release.js';
import type { CodeVault } from '../assist/code-vault.js';
import type { EventProcessorDeps } from '../drain/event-processor.js';
import { modeAuditRecordOf } from '../observe/sla/mode-audit.js';
import { slaRecordOf } from '../observe/sla/record.js';
import type { Observation } from './observation.js';
import type { TenantLookups } from './tenant-wiring.js';

type OnApplied = NonNullable<EventProcessorDeps['onApplied']>;

export interface OnAppliedDeps {
  observation: Observation;
  tenants: TenantLookups;
  vault: CodeVault | undefined;
  log: Logger;
  /** the caller's own hook (tests), after ours */
  then?: EventProcessorDeps['onApplied'];
}

/** What follows each applied event: the records of a ticket that ended, held codes dropped, the observer told. */
export function onApplied(deps: OnAppliedDeps): OnApplied {
  const { observation, tenants, vault, log } = deps;
  return (tk, event, before, after, effects) => {
    // A ticket that just ended gets its SLA record (first reply, waiting, resolution, outcome).
    if (after && after.status !== before?.status) {
      const record = slaRecordOf(after, tenants.platformNameOf(after.tenant), tenants.policyOf(after.tenant));
      if (record) observation.sla.save(record).catch((err: Error) => log.warn({ tk, state: after.status, error: err.name, reason: err.message }, 'SLA record not saved'));
      // a shadow or approve-changes round that ended: what the bot proposed and what the agents did (report --mode-audit)
      const audit = modeAuditRecordOf(after);
      if (audit) observation.modeAudit.save(audit).catch((err: Error) => log.warn({ tk, state: after.status, error: err.name, reason: err.message }, 'mode audit record not saved'));
    }
    if (vault && before?.status === 'escalated' && releasesHeldCodes(event, before)) {
      vault.drop(tk).catch((err: Error) => log.warn({ tk, error: err.name, reason: err.message }, 'held resync codes not dropped (they expire within ten minutes)'));
    }
    observation.observer.applied(tk, event, before, after, effects);
    deps.then?.(tk, event, before, after, effects);
  };
}
