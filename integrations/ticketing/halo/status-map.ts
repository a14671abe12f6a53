import type { TicketStatus } from '../../../workflows/resync/index.js';
import { HaloStatusMissing } from './halo-errors.js';
import type { HaloStatus } from './schemas.js';

/**
 * The names of Halo's default ticket statuses for each workflow status, first choice first; the ids behind them are
 * read from GET /api/Status, never hard-coded (tenants renumber and rename them).
 */
const NAMES: Record<TicketStatus, readonly string[]> = {
  new: ['New'],
  open: ['In Progress', 'Updated', 'Action Required'],
  pending: ['With User', 'Waiting on User', 'Waiting on Customer', 'Awaiting User', 'With Customer'],
  hold: ['On Hold', 'With Supplier', 'Waiting on Supplier'],
  solved: ['Resolved', 'Completed'],
  closed: ['Closed', 'Cancelled', 'Canceled'],
};
/** the statuses a write uses; `closed` is never written by the bot */
const WRITTEN: readonly TicketStatus[] = ['open', 'pending', 'hold', 'solved'];

/** The tenant's statuses as the workflow sees them: what id to write for a status, and what status an id stands for. */
export class StatusMap {
  private readonly byId: Map<number, TicketStatus>;
  /** no status maps to solved: "Closed" is written for it, and reads back as solved */
  private readonly closedSolves: boolean;

  constructor(private readonly statuses: readonly HaloStatus[]) {
    this.byId = new Map();
    // a status name maps to the first workflow status that lists it
    const order: TicketStatus[] = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
    for (const status of order) {
      for (const s of statuses) if (!this.byId.has(s.id) && NAMES[status].some((n) => same(n, s.name))) this.byId.set(s.id, status);
    }
    // a tenant without a "Resolved" status: the bot solves with "Closed", which then reads back as solved
    this.closedSolves = ![...this.byId.values()].includes('solved');
  }

  /** The workflow status of a Halo status id; one the adapter does not know counts as open. */
  toStatus(statusId: number): TicketStatus {
    const status = this.byId.get(statusId) ?? 'open';
    return status === 'closed' && this.closedSolves && statusId === this.find('closed') ? 'solved' : status;
  }

  /** true for the statuses the poller leaves out (solved or closed). */
  isDone(statusId: number): boolean {
    const s = this.toStatus(statusId);
    return s === 'solved' || s === 'closed';
  }

  /** The status id the bot writes for `status`. */
  idFor(status: TicketStatus): number {
    const id = this.find(status) ?? (status === 'solved' ? this.find('closed') : undefined);
    if (id === undefined) throw new HaloStatusMissing(status === 'solved' ? [...NAMES.solved, ...NAMES.closed] : NAMES[status]);
    return id;
  }

  private find(status: TicketStatus): number | undefined {
    for (const name of NAMES[status]) {
      const hit = this.statuses.find((s) => same(name, s.name));
      if (hit) return hit.id;
    }
    return undefined;
  }

  /** A line per written status, for `halo check`. */
  describe(): { ok: boolean; lines: string[] } {
    let ok = true;
    const lines = WRITTEN.map((status) => {
      try {
        const id = this.idFor(status);
        return `${status} → ${this.statuses.find((s) => s.id === id)?.name ?? id} (${id})`;
      } catch (err) {
        ok = false;
        return `${status}: ${(err as Error).message}`;
      }
    });
    return { ok, lines };
  }
}

function same(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
