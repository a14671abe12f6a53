import type { Redis } from 'ioredis';
import { formatModeAudit, summarizeModeAudit, type ModeAuditFormat } from './mode-audit.js';
import { ModeAuditStore } from './mode-audit-store.js';

/** The flag of `twofa-desk report` that prints the mode audit instead of the SLA figures. */
export const MODE_AUDIT_FLAG = '--mode-audit';

/**
 * `twofa-desk report --mode-audit [--since 7d] [--from ISO --to ISO] [--tenant ID] [--format table|csv|json]`: over
 * the shadow and approve-changes ticket rounds that ended in the range, the agreement per step between what the bot
 * proposed and what the agents did (docs/modes.md). --tenant keeps that tenant's tickets only.
 */
export async function modeAuditReport(redis: Redis, prefix: string, range: { from: number; to: number }, tenant: string | undefined, format: ModeAuditFormat): Promise<string> {
  const records = (await new ModeAuditStore(redis, prefix).range(range.from, range.to)).filter((r) => tenant === undefined || r.tenant === tenant);
  return formatModeAudit(summarizeModeAudit(records, range), format);
}
