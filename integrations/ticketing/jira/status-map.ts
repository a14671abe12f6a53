import type { TicketStatus } from '../../../workflows/resync/index.js';
import type { JiraStatusNames } from './config.js';
import type { JiraStatus, JiraTransition } from './schemas.js';

/** The status a request's workflow should reach, by name, and the variable that names it (for errors). */
export interface StatusTarget {
  name: string;
  variable: string;
  /** any status of this category will do when none has the name (JSM's "Resolved" is called otherwise on some sites) */
  category?: 'done';
}

/**
 * A Jira status as the workflow sees it. Jira has no fixed statuses: the names configured for pending and open say
 * those, the category says done (solved; "Closed": closed) or not yet started (new), anything else is open.
 */
export function ticketStatusOf(status: JiraStatus, names: JiraStatusNames): TicketStatus {
  const name = status.name.toLowerCase();
  if (status.statusCategory.key === 'done') return name === 'closed' ? 'closed' : 'solved';
  if (name === names.pending.toLowerCase()) return 'pending';
  if (name === names.open.toLowerCase()) return 'open';
  if (status.statusCategory.key === 'new') return 'new';
  return 'open';
}

/** The Jira status the workflow's status asks for. */
export function targetOf(status: TicketStatus, names: JiraStatusNames): StatusTarget {
  switch (status) {
    case 'pending':
      return { name: names.pending, variable: 'JIRA_STATUS_PENDING' };
    case 'solved':
      return { name: names.solved, variable: 'JIRA_STATUS_SOLVED', category: 'done' };
    case 'closed':
      return { name: 'Closed', variable: 'JIRA_STATUS_SOLVED', category: 'done' };
    case 'new':
    case 'open':
    case 'hold':
      return { name: names.open, variable: 'JIRA_STATUS_OPEN' };
  }
}

export function isAt(status: Pick<JiraStatus, 'name'>, target: StatusTarget): boolean {
  return status.name.toLowerCase() === target.name.toLowerCase();
}

/** The transition to take: one to the status of that name, else (for solving) one to any done status. */
export function pickTransition(transitions: readonly JiraTransition[], target: StatusTarget): JiraTransition | undefined {
  const usable = transitions.filter((t) => t.isAvailable !== false);
  return usable.find((t) => isAt(t.to, target)) ?? (target.category ? usable.find((t) => t.to.statusCategory.key === target.category) : undefined);
}
