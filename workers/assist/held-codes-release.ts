import type { WorkflowEvent, WorkflowState } from '../../workflows/resync/index.js';

/**
 * Whether codes held for an agent (escalation `resync_assisted`) should be deleted now, because the ticket moved on:
 * the requester wrote again (the codes may be stale; they can send new ones), an agent answered publicly, took the
 * ticket over by tag, or solved or closed it. An agent's internal note does not count: agents often write one before
 * they open the page.
 */
export function releasesHeldCodes(event: WorkflowEvent, state: WorkflowState | undefined): boolean {
  if (state?.escalation?.reason !== 'resync_assisted') return false;
  switch (event.type) {
    case 'commentAdded':
      return event.authorRole === 'requester' || event.authorRole === 'end-user' || (event.authorRole === 'agent' && event.public);
    case 'statusChanged':
      return event.status === 'solved' || event.status === 'closed';
    case 'tagsChanged':
      return event.byRole === 'agent' && event.added.length > 0;
    case 'operatorCommand':
      return true;
    default:
      return false;
  }
}
