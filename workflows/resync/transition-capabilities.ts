import type { TokenInfo } from './model.js';
import type { PlatformTraits } from './platform-traits.js';
import { render, type TemplateName, type TemplateVars } from './templates.js';
import { noteVars } from './transition-notes.js';
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
    userName: s.user?.userName,
    lastName: s.user?.lastName ?? s.user?.userName,
  };
}

/** Escalates with the console steps when the platform cannot resync this kind of token; true when it did. */
export function escalateIfResyncNotAutomated(step: Step, token: TokenInfo): boolean {
  const platform = step.s.platform;
  if (!platform) return false;
  const challenge = token.mode === 'challenge';
  if (challenge ? platform.canChallenge : platform.canResync) return false;
  const steps: TemplateName = challenge ? 'runbook_console_challenge' : 'runbook_console_otp';
  escalate(
    step,
    'resync_not_automated',
    `${platform.name} cannot ${challenge ? 'issue a resync challenge for' : 'resync'} a ${token.type} token through its API; the bot asked the requester for nothing`,
    render(steps, consoleVars(step, platform), step.policy),
  );
  return true;
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
