import { randomInt } from 'node:crypto';
import type { WorkflowState } from '../../workflows/resync/state.js';
import type { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import type { Language } from '../../workflows/resync/language.js';
import type { Scenario } from './scenarios.js';
import { REQUESTER_TEXTS } from './requester-texts.js';

export interface ScriptedAnswersDeps {
  scenario: Scenario;
  token: VirtualToken | undefined;
  /** every code or response the user sends, so tests can prove none leaks */
  sent: Set<string>;
  /** the user logs in with a code for the re-test */
  login: (userName: string, code: string) => Promise<unknown>;
  /** the language the user writes in (default: the scenario's, else English) */
  language?: Language;
}

/**
 * What a simulated end user writes when the bot waits on them, per the scenario's script: the same person
 * whichever desk the ticket is on (test/demo/simulated-user.ts, test/support/zendesk-simulated-user.ts).
 */
export class ScriptedAnswers {
  private asked = { codes: 0, response: 0 };

  constructor(private readonly deps: ScriptedAnswersDeps) {}

  private remember(code: string): string {
    this.deps.sent.add(code);
    return code;
  }

  private randomCode(digits: number): string {
    return this.remember(String(randomInt(0, 10 ** digits)).padStart(digits, '0'));
  }

  /** The reply to the bot's question in `state`, or undefined when the script has the user stay silent. */
  async answer(state: WorkflowState): Promise<string | undefined> {
    const { script, userName, requester } = this.deps.scenario;
    const token = this.deps.token;
    const texts = REQUESTER_TEXTS[this.deps.language ?? this.deps.scenario.language ?? 'en'];
    switch (state.status) {
      case 'awaiting_codes': {
        const plan = script.codes?.(this.asked.codes++);
        if (!plan || !token) return undefined;
        if (plan === 'garbled') return texts.garbled;
        if (plan === 'wrong') return `${this.randomCode(6)} ${this.randomCode(6)}`;
        const a = this.remember(token.nextCode());
        const b = this.remember(token.nextCode());
        return texts.codes([a.slice(0, 3), a.slice(3)], b, requester.name);
      }
      case 'awaiting_response': {
        const plan = script.response?.(this.asked.response++);
        if (!plan || !token || !state.challenge) return undefined;
        return texts.response(plan === 'right' ? this.remember(token.respond(state.challenge)) : this.randomCode(8));
      }
      case 'awaiting_retest': {
        const plan = script.retest?.();
        if (!plan) return undefined;
        if (plan === 'fails') return texts.fails;
        // Both token kinds log in with the code the device shows at its counter (see LocalPlatform.authenticate).
        if (token && userName) await this.deps.login(userName, this.remember(token.nextCode()));
        return plan === 'logs-in' ? undefined : texts.works;
      }
      default:
        return undefined;
    }
  }
}
