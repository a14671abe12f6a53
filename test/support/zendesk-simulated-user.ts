import { randomInt } from 'node:crypto';
import type { App } from '../../workers/app.js';
import { ticketKey } from '../../workers/keys.js';
import type { Scenario } from '../../workers/demo/scenarios.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import type { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import type { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { hasMarker } from '../../integrations/ticketing/zendesk/comment-marker.js';
import type { FakeZendesk } from './fake-zendesk.js';

const TERMINAL = new Set(['resolved', 'timed_out', 'escalated', 'handed_off']);
const WAITING = new Set(['awaiting_codes', 'awaiting_response', 'awaiting_retest']);

/**
 * An end user answering the bot on a fake Zendesk ticket, as workers/demo/simulated-user.ts does on the embedded
 * desk: waits for a new public reply of the bot, looks at what the bot waits for, and replies per its script as
 * the ticket's requester (through the fake's agent-interface helpers, which fire Zendesk's webhooks).
 */
export class ZendeskSimulatedUser {
  private answered = 0;
  private asked = { codes: 0, response: 0 };
  private readonly tk: string;

  constructor(
    private readonly deps: {
      fake: FakeZendesk;
      ticketId: number;
      scenario: Scenario;
      token: VirtualToken | undefined;
      app: Pick<App, 'store' | 'platform'>;
      sent: Set<string>;
    },
  ) {
    this.tk = ticketKey('zendesk', String(deps.ticketId));
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
        const body = await this.answer(state);
        const ticket = this.deps.fake.tickets.get(this.deps.ticketId);
        if (body !== undefined && ticket) await this.deps.fake.addComment(this.deps.ticketId, { authorId: ticket.requester_id, body });
        this.answered = replies;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return last;
  }

  private remember(code: string): string {
    this.deps.sent.add(code);
    return code;
  }

  private async answer(state: WorkflowState): Promise<string | undefined> {
    const { script, userName, requester } = this.deps.scenario;
    const token = this.deps.token;
    switch (state.status) {
      case 'awaiting_codes': {
        const plan = script.codes?.(this.asked.codes++);
        if (!plan || !token) return undefined;
        if (plan === 'garbled') return "hi, it just says 'invalid code' every time?? i need this fixed asap\n\nSent from my iPhone";
        if (plan === 'wrong') return `${this.remember(String(randomInt(0, 1_000_000)).padStart(6, '0'))} ${this.remember(String(randomInt(0, 1_000_000)).padStart(6, '0'))}`;
        const a = this.remember(token.nextCode());
        const b = this.remember(token.nextCode());
        return `Hi,\n\ncode 1: ${a.slice(0, 3)} ${a.slice(3)}\ncode 2: ${b}\n\nThanks\n${requester.name}`;
      }
      case 'awaiting_response': {
        const plan = script.response?.(this.asked.response++);
        if (!plan || !token || !state.challenge) return undefined;
        return `The token shows ${this.remember(plan === 'right' ? token.respond(state.challenge) : String(randomInt(0, 100_000_000)).padStart(8, '0'))}`;
      }
      case 'awaiting_retest': {
        const plan = script.retest?.();
        if (!plan) return undefined;
        if (plan === 'fails') return 'No, still failing, same error as before.';
        if (token && userName) await (this.deps.app.platform as LocalPlatform).authenticate(userName, this.remember(token.nextCode()));
        return 'Yes, works now - thank you!';
      }
      default:
        return undefined;
    }
  }
}
