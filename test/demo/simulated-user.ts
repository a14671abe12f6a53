import type { AxiosInstance } from 'axios';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { LANGUAGES, type Language } from '../../workflows/resync/language.js';
import { CATALOGUES, type ReplyName } from '../../workflows/resync/messages/index.js';
import type { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import type { Scenario } from './scenarios.js';
import type { App } from '../../workers/app.js';
import type { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import { ticketKey } from '../../workers/store/keys.js';
import { ScriptedAnswers } from './scripted-answers.js';

export interface DeskComment {
  authorRole: string;
  public: boolean;
  body: string;
}

export interface SimulatedUserDeps {
  desk: AxiosInstance;
  ticketId: string;
  scenario: Scenario;
  token: VirtualToken | undefined;
  /** where the simulated user sees what the bot waits for (the store) and logs in (the embedded platform) */
  app: Pick<App, 'store' | 'platform'>;
  /** every code or response the user sends, so tests can prove none leaks */
  sent: Set<string>;
  pollMs?: number;
  /** how the user logs in for the re-test on a platform other than the embedded one (a fake server's login) */
  login?: (userName: string, code: string) => Promise<unknown>;
  /** the language the user writes in (default: the scenario's) */
  language?: Language;
}

const TERMINAL = new Set(['resolved', 'timed_out', 'escalated', 'handed_off']);
const WAITING = new Set(['awaiting_codes', 'awaiting_response', 'awaiting_retest']);
/** The catalogue's texts of these replies, in every language the bot writes (the demo runs without overrides). */
function repliesOf(names: readonly ReplyName[]): string[] {
  return LANGUAGES.flatMap((language) => names.map((name) => CATALOGUES[language][name]));
}
/** the bot's closing replies, in any language: the ticket is done */
const ENDED_REPLIES = repliesOf(['resolved', 'resolved_auth_seen', 'timed_out', 'escalated']);
/** the replies that ask for the re-test, in any language */
const RETEST_REPLIES = repliesOf(['ask_retest', 'ask_retest_in_sync', 'reminder_retest', 'retest_unclear']);
const says = (reply: string, texts: readonly string[]): boolean => texts.some((text) => reply.includes(text));
const AGENT_ID = 'agent-demo';

/**
 * An end user with their own token, answering the bot on the ticket like a person would: it waits for a new
 * public reply from the bot, looks at what the bot waits for, and answers per its script.
 */
export class SimulatedUser {
  private answered = 0;
  private agentAnswered = false;
  /** the answer being sent, kept across a failed post so the same codes are not drawn twice */
  private pending: string | undefined;
  private readonly answers: ScriptedAnswers;
  private readonly tk: string;

  constructor(private readonly deps: SimulatedUserDeps) {
    this.tk = ticketKey('local', deps.ticketId);
    this.answers = new ScriptedAnswers({
      scenario: deps.scenario,
      token: deps.token,
      sent: deps.sent,
      login: (userName, code) => this.login(userName, code),
      ...(deps.language ? { language: deps.language } : {}),
    });
  }

  /**
   * A person answers the bot's last message. The state tells its kind apart, except after a Redis failover, when the
   * bot's record can lag what the ticket shows (it catches up from the ticket): then the message itself says whether
   * the ticket is closed or the bot waits for the re-test.
   */
  private async askedFor(state: WorkflowState | undefined, lastReply: string | undefined): Promise<WorkflowState | undefined> {
    if (!state || lastReply === undefined || !WAITING.has(state.status)) return state;
    // The bot's last word closed the ticket: a person stops there, whatever the bot's record says.
    if (says(lastReply, ENDED_REPLIES)) return { ...state, status: 'resolved' };
    return says(lastReply, RETEST_REPLIES) ? { ...state, status: 'awaiting_retest' } : state;
  }

  private readState(): Promise<WorkflowState | undefined> {
    return this.deps.app.store.getState(this.tk).then((s) => s.state);
  }

  /** true while effects the workflow asked for are not done (the last reply may still be on its way) */
  private async hasPendingEffects(): Promise<boolean> {
    return (await this.deps.app.store.pendingEffects(this.tk)).length > 0;
  }

  private async login(userName: string, code: string): Promise<void> {
    if (this.deps.login) await this.deps.login(userName, code);
    else await (this.deps.app.platform as LocalPlatform).authenticate(userName, code);
  }

  async run(deadline: number): Promise<WorkflowState | undefined> {
    const { deps } = this;
    let last: WorkflowState | undefined;
    for (;;) {
      if (Date.now() > deadline) return last;
      try {
        const outcome = await this.step();
        last = outcome.state;
        if (outcome.done) return last;
      } catch {
        // The desk or Redis is down for a moment (a restart): a person would just try again.
      }
      await new Promise((r) => setTimeout(r, deps.pollMs ?? 100));
    }
  }

  private async step(): Promise<{ state: WorkflowState | undefined; done: boolean }> {
    const { deps } = this;
    // Comments first, then the state: the bot saves its new state before it posts the reply, so a state read
    // after seeing a reply is at least the one that reply belongs to.
    const replies = (await this.comments()).filter((c) => c.authorRole === 'bot' && c.public);
    const botReplies = replies.length;
    const state = await this.askedFor(await this.readState(), replies.at(-1)?.body);
    if (state && TERMINAL.has(state.status) && !(await this.hasPendingEffects())) return { state, done: true };
    const agent = deps.scenario.script.agent;
    if (state?.status === 'awaiting_approval' && agent && !this.agentAnswered) {
      const body = agent === 'approve' ? '#approve — called the user back on the number in HR records' : '#reject — not the account owner';
      await this.post({ as: 'agent', authorId: AGENT_ID, body, public: false });
      this.agentAnswered = true;
    }
    if (state && WAITING.has(state.status) && botReplies > this.answered) {
      const body = this.pending ?? (await this.answers.answer(state));
      this.pending = body;
      if (body !== undefined) await this.post({ as: 'requester', body });
      this.pending = undefined;
      this.answered = botReplies;
    }
    return { state, done: false };
  }

  /** Posts a comment once: after an error it looks whether the comment arrived before it sends it again. */
  private async post(comment: { as: string; body: string; authorId?: string; public?: boolean }): Promise<void> {
    const url = `/api/tickets/${this.deps.ticketId}/comments`;
    try {
      await this.deps.desk.post(url, comment);
    } catch (err) {
      // A time-out does not say the comment is lost: a slow desk may still save it. Look a few times before
      // sending again, as a person would look at the ticket before writing the same thing twice.
      for (let look = 0; look < 5; look++) {
        await new Promise((r) => setTimeout(r, 1000 * look));
        try {
          const mine = (await this.comments()).filter((c) => c.authorRole === (comment.as === 'agent' ? 'agent' : 'requester'));
          if (mine.at(-1)?.body === comment.body) return;
        } catch {
          // the desk is still away: look again
        }
      }
      throw err;
    }
  }

  private async comments(): Promise<DeskComment[]> {
    const res = await this.deps.desk.get<{ comments: DeskComment[] }>(`/api/tickets/${this.deps.ticketId}`);
    return res.data.comments;
  }
}
