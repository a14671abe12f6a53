import type { App } from '../../workers/app.js';
import { ticketKey } from '../../workers/store/keys.js';
import type { Scenario } from '../demo/scenarios.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import type { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import type { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { hasMarker } from '../../integrations/ticketing/zendesk/comment-marker.js';
import type { FakeZendesk, MailClient } from './fake-zendesk.js';
import { ScriptedAnswers } from '../demo/scripted-answers.js';

const TERMINAL = new Set(['resolved', 'timed_out', 'escalated', 'handed_off']);
const WAITING = new Set(['awaiting_codes', 'awaiting_response', 'awaiting_retest']);

/**
 * An end user answering the bot on a fake Zendesk ticket, as test/demo/simulated-user.ts does on the embedded
 * desk: waits for a new public reply of the bot, looks at what the bot waits for, and replies per its script as
 * the ticket's requester (through the fake's helpers, which fire Zendesk's webhooks), in the help center or by mail.
 */
export class ZendeskSimulatedUser {
  private answered = 0;
  private readonly answers: ScriptedAnswers;
  private readonly tk: string;

  constructor(
    private readonly deps: {
      fake: FakeZendesk;
      ticketId: number;
      scenario: Scenario;
      token: VirtualToken | undefined;
      app: Pick<App, 'store' | 'platform'>;
      sent: Set<string>;
      /** answer by mail as this program writes it (the bot's message quoted below), instead of in the help center */
      mail?: MailClient;
    },
  ) {
    this.tk = ticketKey('zendesk', String(deps.ticketId));
    const platform = deps.app.platform as LocalPlatform;
    this.answers = new ScriptedAnswers({ scenario: deps.scenario, token: deps.token, sent: deps.sent, login: (userName, code) => platform.authenticate(userName, code) });
  }

  botPublicReplies(): number {
    const { fake, ticketId } = this.deps;
    return (fake.comments.get(ticketId) ?? []).filter((c) => c.author_id === fake.botId && c.public && hasMarker(c.body)).length;
  }

  async run(deadline: number): Promise<WorkflowState | undefined> {
    let last: WorkflowState | undefined;
    while (Date.now() < deadline) {
      const replies = this.botPublicReplies();
      const state = (await this.deps.app.store.getState(this.tk)).state;
      last = state;
      if (state && TERMINAL.has(state.status) && (await this.deps.app.store.pendingEffects(this.tk)).length === 0) return state;
      if (state && WAITING.has(state.status) && replies > this.answered) {
        const body = await this.answers.answer(state);
        const ticket = this.deps.fake.tickets.get(this.deps.ticketId);
        if (body !== undefined && ticket) {
          const { fake, ticketId, mail } = this.deps;
          if (mail) await fake.replyByEmail(ticketId, { client: mail, text: body });
          else await fake.addComment(ticketId, { authorId: ticket.requester_id, body });
        }
        this.answered = replies;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return last;
  }
}
