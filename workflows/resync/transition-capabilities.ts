import { formatUtc } from './format-time.js';
import type { TokenInfo } from './model.js';
import type { PlatformTraits } from './platform-traits.js';
import { render, type TemplateName, type TemplateVars } from './templates.js';
import { field, noteVars } from './transition-notes.js';
import { escalate } from './transition-outcomes.js';
import type { Step } from './transition-step.js';

/*
 * The platform's capabilities decide, before the bot asks the end user for anything, whether a step is the
 * bot's or an agent's. A platform whose API cannot resync (SafeNet Trusted Access) must not collect codes it
 * cannot use: the ticket goes to an agent with the console steps of the runbook, filled in for this user and
 * token. A state without traits (saved before they existed) assumes every step is possible, as it did then.
 */

function consoleVars(step: Step, platform: PlatformTraits): TemplateVars {
  const { s, policy } = step;
  return {
    ...noteVars(s, policy),
    platformName: platform.name,
    console: platform.consoleUrl ? `the 2FA administration console (${platform.consoleUrl})` : 'the 2FA administration console',
    userName: field(s.user?.userName),
    lastName: field(s.user?.lastName ?? s.user?.userName),
  };
}

/** True when the bot collects an OTP token's codes for an agent to type in the console (no resync API, assist on). */
export function assistsResync(step: Step, token: TokenInfo): boolean {
  const platform = step.s.platform;
  return !!platform && token.mode === 'otp' && !platform.canResync && platform.assist === true;
}

/**
 * Escalates with the console steps when the platform cannot resync this kind of token and the bot cannot assist;
 * true when it did. A challenge token goes to the agent with the requester already told how to reach the token's
 * Resync mode, so the agent's console step is only the challenge and the response.
 */
export function escalateIfResyncNotAutomated(step: Step, token: TokenInfo): boolean {
  const platform = step.s.platform;
  if (!platform) return false;
  const challenge = token.mode === 'challenge';
  if (challenge ? platform.canChallenge : platform.canResync) return false;
  if (assistsResync(step, token)) return false;
  const steps: TemplateName = challenge ? 'runbook_console_challenge' : 'runbook_console_otp';
  escalate(
    step,
    'resync_not_automated',
    `${platform.name} cannot ${challenge ? 'issue a resync challenge for' : 'resync'} a ${token.type} token through its API; the bot asked the requester for no code`,
    render(steps, consoleVars(step, platform), step.policy),
  );
  if (challenge) step.tell(render('prepare_resync_mode', { tokenType: field(token.type) }, step.policy, step.s.language));
  return true;
}

/** The codes are held for the agent: hand over with the one-time page and the console steps for exactly this token. */
export function escalateWithHeldCodes(step: Step, held: { url: string; expiresAt: number }): void {
  const { s } = step;
  const platform = s.platform;
  const token = s.token;
  const vars = { ...(platform ? consoleVars(step, platform) : noteVars(s, step.policy)), url: held.url, expiresAt: formatUtc(held.expiresAt) };
  escalate(
    step,
    'resync_assisted',
    `${platform?.name ?? 'the platform'} cannot resync a ${token?.type ?? 'OTP'} token through its API; the requester sent two codes, held for you until ${formatUtc(held.expiresAt)}`,
    render('runbook_assist_otp', vars, step.policy),
    render('assist_codes_received', {}, step.policy, step.s.language),
  );
}

/** Escalates with the console steps when the platform cannot add the mapped group; true when it did. */
export function escalateIfGroupNotAutomated(step: Step, group: string): boolean {
  const platform = step.s.platform;
  if (!platform || platform.canAddToGroup) return false;
  escalate(
    step,
    'group_not_automated',
    `the user has no group; policy maps the group "${group}", which ${platform.name} cannot add through its API`,
    render('runbook_console_group', { ...consoleVars(step, platform), group }, step.policy),
  );
  return true;
}

/**
 * The platform counts every resync toward its lock-out (STA over RADIUS): once the ticket has used the tries the
 * platform allows, a human takes over before another wrong pair could lock the user out. True when it escalated.
 */
export function escalateIfNoTriesLeft(step: Step): boolean {
  const { s } = step;
  const limit = s.platform?.resyncTriesPerTicket;
  if (limit === undefined || s.resyncTries < limit) return false;
  escalate(step, 'lockout_risk', `the bot already sent ${s.resyncTries} resyncs on this ticket, the most the platform's lock-out allows per ticket (on STA: STA_RADIUS_MAX_PAIRS)`);
  return true;
}
