import type { App } from '../../workers/app.js';
import type { WorkflowStore } from '../../workers/store/workflow-store.js';
import { UNFINISHED_STATES } from '../../workflows/resync/state.js';

const UNFINISHED: ReadonlySet<string> = new Set(UNFINISHED_STATES);

/**
 * The app as a simulated requester sees it (test/demo/simulated-user.ts, test/support/zendesk-simulated-user.ts):
 * they stop once the bot has nothing more to ask, which those users know as the terminal states. A round the ticket
 * system did not record (update_failed, stuck) waits for a person too, so it is shown to them as handed off; the
 * stored state is untouched.
 */
export function requesterView<A extends Pick<App, 'store' | 'platform'>>(app: A): Pick<App, 'store' | 'platform'> {
  const store = app.store;
  const view = Object.create(store) as WorkflowStore;
  view.getState = async (tk) => {
    const read = await store.getState(tk);
    return read.state && UNFINISHED.has(read.state.status) ? { ...read, state: { ...read.state, status: 'handed_off' } } : read;
  };
  return { store: view, platform: app.platform };
}
