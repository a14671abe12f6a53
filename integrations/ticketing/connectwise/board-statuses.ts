import type { TicketStatus } from '../../../workflows/resync/index.js';
import type { StatusNames } from './config.js';
import { ConnectWiseStatusMissing } from './connectwise-errors.js';
import type { BoardStatus } from './schemas.js';

const NEW = ['New'];
const VARIABLE: Record<keyof StatusNames, string> = { open: 'CONNECTWISE_STATUS_OPEN', pending: 'CONNECTWISE_STATUS_PENDING', solved: 'CONNECTWISE_STATUS_SOLVED' };

/**
 * One board's statuses, read from the board (GET /service/boards/{id}/statuses) and never hard-coded: every board has
 * its own status records and names. The bot writes a workflow status as the id of the first active status named as
 * configured; it reads a ticket's status back by name, a closed status it does not know counting as closed.
 */
export class BoardStatuses {
  private readonly active: BoardStatus[];

  constructor(
    readonly boardId: number,
    private readonly all: readonly BoardStatus[],
    private readonly names: StatusNames,
  ) {
    this.active = all.filter((s) => s.inactive !== true);
  }

  /** The workflow status a ticket's status stands for; a status the board does not list counts as open. */
  toStatus(statusId: number): TicketStatus {
    const s = this.all.find((x) => x.id === statusId);
    if (!s) return 'open';
    if (is(s.name, this.names.solved)) return 'solved';
    if (is(s.name, this.names.pending)) return 'pending';
    if (s.closedStatus === true) return 'closed';
    if (is(s.name, NEW)) return 'new';
    return 'open';
  }

  /** The status id that sets a ticket on this board to `status` (hold is written as pending, closed as solved). */
  idFor(status: TicketStatus): number {
    switch (status) {
      case 'new':
        return this.need(NEW, 'CONNECTWISE_STATUS_OPEN');
      case 'pending':
      case 'hold':
        return this.need(this.names.pending, VARIABLE.pending);
      case 'solved':
      case 'closed':
        return this.need(this.names.solved, VARIABLE.solved);
      default:
        return this.need(this.names.open, VARIABLE.open);
    }
  }

  /** A line per status the bot writes, for `connectwise check`. */
  describe(): { ok: boolean; lines: string[] } {
    let ok = true;
    const lines = (['open', 'pending', 'solved'] as const).map((status) => {
      try {
        const id = this.idFor(status);
        return `${status} → "${this.all.find((s) => s.id === id)?.name ?? '?'}" (id ${id})`;
      } catch (err) {
        ok = false;
        return `${status}: ${err instanceof ConnectWiseStatusMissing ? err.reason : (err as Error).message}`;
      }
    });
    return { ok, lines };
  }

  private need(names: readonly string[], variable: string): number {
    for (const name of names) {
      const hit = this.active.find((s) => is(s.name, [name]));
      if (hit) return hit.id;
    }
    throw new ConnectWiseStatusMissing(this.boardId, variable, names);
  }
}

function is(name: string, names: readonly string[]): boolean {
  const n = name.trim().toLowerCase();
  return names.some((x) => x.toLowerCase() === n);
}
