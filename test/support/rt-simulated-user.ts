import type { App } from '../../workers/app.js';
import { ticketKey } from '../../workers/store/keys.js';
import type { Scenario } from '../demo/scenarios.js';
import { ScriptedAnswers } from '../demo/scripted-answers.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import type { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import type { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { hasMarker } from '../../integrations/ticketing/rt/comment-marker.js';
import type { RtTestDesk } from './rt-desk.js';
import { RT_BOT } from './rt-server.js';

const TERMINAL = new Set(['resolved', 'timed_out', 'escalated', 'handed_off']);
const WAITING = new Set(['awaiting_codes', 'awaiting_response', 'awaiting_retest']);

/**
 * An end user answering the bot on a real RT ticket by mail (multi-part mail, as a mail client sends it): waits for a
 * new correspondence of the bot, looks at what the bot waits for, and answers per the scenario's script. It looks once
 * a second: every look costs RT two API calls.
 */
export class RtSimulatedUser {
  private answered = 0;
  private readonly answers: ScriptedAnswers;
  private readonly tk: string;

  constructor(
    private readonly deps: { desk: RtTestDesk; ticketId: string; scenario: Scenario; token: VirtualToken | undefined; app: Pick<App, 'store' | 'platform'>; sent: Set<string> },
  ) {
    this.tk = ticketKey('rt', deps.ticketId);
    const platform = deps.app.platform as LocalPlatform;
    this.answers = new ScriptedAnswers({ scenario: deps.scenario, token: deps.token, sent: deps.sent, login: (userName, code) => platform.authenticate(userName, code) });
  }

  async botReplies(): Promise<number> {
    return (await this.deps.desk.messages(this.deps.ticketId)).filter((m) => m.creator === RT_BOT.name && m.type === 'Correspond' && hasMarker(m.text)).length;
  }

  async run(deadline: number): Promise<WorkflowState | undefined> {
    let last: WorkflowState | undefined;
    while (Date.now() < deadline) {
      const state = (await this.deps.app.store.getState(this.tk)).state;
      last = state;
      if (state && TERMINAL.has(state.status) && (await this.deps.app.store.pendingEffects(this.tk)).length === 0) return state;
      if (state && WAITING.has(state.status)) {
        const replies = await this.botReplies();
        if (replies > this.answered) {
          const body = await this.answers.answer(state);
          if (body !== undefined) await this.deps.desk.replyByMail(this.deps.ticketId, this.deps.scenario.requester, body, 'multipart');
          this.answered = replies;
        }
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    return last;
  }
}
