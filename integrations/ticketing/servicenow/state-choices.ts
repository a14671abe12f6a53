import type { TicketStatus } from '../../../workflows/resync/index.js';
import type { IncidentPatch } from './client.js';
import type { Choice } from './schemas.js';
import { ServiceNowChoiceMissing } from './servicenow-errors.js';

/** The base system's English labels ("Life cycle of an Incident"); the values behind them are read from sys_choice. */
const STATE_LABELS: Record<Exclude<TicketStatus, 'pending'>, readonly string[]> = {
  new: ['New'],
  open: ['In Progress'],
  hold: ['On Hold'],
  solved: ['Resolved'],
  closed: ['Closed'],
};
const CANCELED = ['Canceled', 'Cancelled'];
const AWAITING_CALLER = ['Awaiting Caller'];
/** Resolution codes of the base system (newer, then older releases): the first one the instance has is used. */
export const CLOSE_CODE_LABELS = ['Solution provided', 'Solved Remotely (Permanently)', 'Solved (Permanently)'];

/** What the bot writes into Resolution notes when it resolves an incident (the field is mandatory on resolve). */
export const CLOSE_NOTES = 'Resolved by the twofa-desk bot: the caller confirmed that signing in with their token works again. The work notes say what was done.';

/**
 * The instance's incident state model, from its own choice lists (sys_choice) and never from hard-coded values: the
 * state and hold reason values the bot writes for a workflow status, and the status an incident's state stands for.
 */
export class StateChoices {
  private readonly byElement: Map<string, Choice[]>;

  constructor(choices: readonly Choice[]) {
    this.byElement = new Map();
    for (const c of choices) {
      if (c.inactive === 'true') continue;
      this.byElement.set(c.element, [...(this.byElement.get(c.element) ?? []), c]);
    }
  }

  /** The workflow status an incident's state (and hold reason) stands for; an unknown state counts as open. */
  toStatus(state: string, holdReason?: string): TicketStatus {
    const label = this.byElement.get('state')?.find((c) => c.value === state)?.label;
    if (label === undefined) return 'open';
    if (is(label, CANCELED)) return 'closed';
    for (const [status, labels] of Object.entries(STATE_LABELS) as Array<[Exclude<TicketStatus, 'pending'>, readonly string[]]>) {
      if (!is(label, labels)) continue;
      if (status !== 'hold') return status;
      // On Hold waiting on the caller is the workflow's "pending"; waiting on a change, problem or vendor is "hold".
      const awaiting = this.find('hold_reason', AWAITING_CALLER);
      return holdReason === undefined || holdReason === '' || awaiting === undefined || holdReason === awaiting ? 'pending' : 'hold';
    }
    return 'open';
  }

  /** The fields that set an incident to `status`: its state, the hold reason for pending, a resolution code for solved. */
  patchFor(status: TicketStatus): Pick<IncidentPatch, 'state' | 'hold_reason' | 'close_code' | 'close_notes'> {
    switch (status) {
      case 'pending':
        return { state: this.need('state', STATE_LABELS.hold), hold_reason: this.need('hold_reason', AWAITING_CALLER) };
      case 'solved':
        return { state: this.need('state', STATE_LABELS.solved), close_code: this.need('close_code', CLOSE_CODE_LABELS), close_notes: CLOSE_NOTES };
      default:
        return { state: this.need('state', STATE_LABELS[status]) };
    }
  }

  /** A line per mapping, for `servicenow check`: which value each status is written as, or what is missing. */
  describe(): { ok: boolean; lines: string[] } {
    const lines: string[] = [];
    let ok = true;
    for (const status of ['open', 'pending', 'solved'] as const) {
      try {
        const patch = this.patchFor(status);
        lines.push(`${status} → ${Object.entries(patch).filter(([k]) => k !== 'close_notes').map(([k, v]) => `${k}=${v}`).join(', ')}`);
      } catch (err) {
        ok = false;
        lines.push(`${status}: ${(err as Error).message}`);
      }
    }
    return { ok, lines };
  }

  private find(element: string, labels: readonly string[]): string | undefined {
    const list = this.byElement.get(element) ?? [];
    for (const label of labels) {
      const hit = list.find((c) => is(c.label, [label]));
      if (hit) return hit.value;
    }
    return undefined;
  }

  private need(element: string, labels: readonly string[]): string {
    const value = this.find(element, labels);
    if (value === undefined) throw new ServiceNowChoiceMissing(element, labels);
    return value;
  }
}

function is(label: string, labels: readonly string[]): boolean {
  return labels.some((l) => l.toLowerCase() === label.trim().toLowerCase());
}
