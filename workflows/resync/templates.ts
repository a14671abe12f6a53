import { defaultReplyLanguage, type Language } from './language.js';
import { renderReply } from './language-render.js';
import { ENGLISH_REPLIES, type ReplyName } from './messages/index.js';
import type { Policy } from './policy.js';
import type { EscalationReason } from './state.js';

/**
 * Every text the workflow writes on a ticket. Public texts go to someone who is locked out and in a hurry:
 * short, friendly, one clear ask. Internal notes go to agents: what the bot did, what it saw, what is next.
 *
 * Codes are secrets, so no text shows one, not even as an example: public texts hold no digit at all and
 * describe the shape of an answer instead ("the first code, a space, then the second code"); notes hold no
 * number (only names like "2FA"). A test keeps it that way. Internal templates are the note_, fact_, why_,
 * next_ and runbook_ ones.
 */
export const DEFAULT_TEMPLATES = {
  // ---- public replies: the English catalogue; every language has its own (messages/<lang>.ts, docs/languages.md) ----
  ...ENGLISH_REPLIES,

  // ---- internal notes -------------------------------------------------------------------------------------
  note_approval_needed: `[twofa-desk] Approval needed: the requester may not own this token.
Requester: {{requester}}
Platform user: {{user}}, found by {{matchedBy}}
The bot has changed nothing and has not written to the requester.
- To go ahead for this user: add the tag {{approveTag}}, or write an internal note starting with {{approveCommand}}.
- To stop: add the tag {{rejectTag}}, or write an internal note starting with {{rejectCommand}}; the ticket is then yours.
Without an answer by {{deadline}} the ticket is escalated.`,
  note_approval_reminder: `[twofa-desk] Still waiting for an agent: tag {{approveTag}} or note {{approveCommand}} to go ahead for {{user}}; tag {{rejectTag}} or note {{rejectCommand}} to stop. Escalates at {{deadline}}.`,
  note_approved: `[twofa-desk] An agent approved acting for {{user}}. Continuing: group membership, then tokens.`,
  note_rejected: `[twofa-desk] An agent rejected acting for {{user}}. The bot has stopped; the ticket is yours.`,

  note_asked_codes: `[twofa-desk] Waiting for the requester's codes.
{{facts}}
- Asked for two consecutive codes from the MobilePASS app; with them the bot resyncs token {{serial}}.
- Time-out: {{deadline}} (then: {{onTimeout}}).`,
  note_asked_response: `[twofa-desk] Waiting for the requester's {{tokenType}} response.
{{facts}}
- Started a resync of token {{serial}}; challenge {{challenge}} sent with the button steps.
- Time-out: {{deadline}} (then: {{onTimeout}}).`,
  note_reply_unusable: `[twofa-desk] The requester's reply was not usable (expected: {{expected}}; problem: {{problem}}). Asked again; failed attempts {{attempts}} of {{maxAttempts}}.`,
  note_resync_rejected: `[twofa-desk] The platform rejected the resync of token {{serial}} ({{reason}}). Asked the requester to try again; failed attempts {{attempts}} of {{maxAttempts}}.`,
  note_resynced: `[twofa-desk] Token {{serial}} ({{tokenType}}) resynced. Asked the requester to log in again and confirm.
- Time-out: {{deadline}} (then: {{onTimeout}}).`,
  note_in_sync: `[twofa-desk] The first code authenticated: token {{serial}} ({{tokenType}}) was not out of sync, so nothing was changed. Asked the requester to log in again and confirm.
- Time-out: {{deadline}} (then: {{onTimeout}}).`,
  note_outcome_unknown: `[twofa-desk] The platform did not answer the resync of token {{serial}}: the outcome is unknown, so the same codes are not sent again. Asked the requester for two new codes; resyncs sent on this ticket: {{resyncTries}} of {{resyncTriesPerTicket}}.`,
  note_resolved_confirmed: `[twofa-desk] Solved: the requester confirmed the login works after the resync of token {{serial}}.`,
  note_solved_again: `[twofa-desk] The requester wrote again after the ticket was solved, to say it works (or thanks): solved again (a reply reopens the ticket on some ticket systems).`,
  note_resolved_auth_seen: `[twofa-desk] Solved: the platform shows a successful login at {{lastSuccessAt}}, after the resync of token {{serial}} at {{resyncedAt}}.`,
  note_rebuilt: `[twofa-desk] The bot lost its record of this ticket (its Redis failed over) and rebuilt it from the ticket: it reads the user again and goes on from the last message it wrote, without writing that message again. Replies the requester sent meanwhile are acted on now.`,
  note_rewound: `[twofa-desk] The bot's record of this ticket went back to an older version (its Redis failed over): the ticket shows it answered a reply its record had not seen. It acts on the replies again without writing its answers twice; codes its earlier record already used count as used by it.`,
  note_timed_out: `[twofa-desk] No answer from the requester since {{since}} ({{reminders}} reminders sent), so the ticket was closed as no response. A reply from the requester starts over.`,

  note_escalated: `[twofa-desk] Escalated: the bot stopped and an agent needs to take over.
Why: {{why}} ({{reason}})
What the bot saw: {{detail}}
What the bot did:
{{facts}}
History:
{{history}}
What to do next:
{{next}}`,

  note_update_failed: `[twofa-desk] Not finished: the ticket system did not take the bot's last update, so an agent needs to finish this ticket.
{{unfinished}}
The ticket system's answer: {{reason}}
{{escalation}}
What the bot did:
{{facts}}
History:
{{history}}
What to do next:
{{next}}`,

  // ---- shadow and approve-changes modes (transition-mode.ts, docs/modes.md) ----------------------------------
  note_shadow_proposal: `[twofa-desk] Shadow mode: the bot changed nothing and wrote nothing to the requester. It proposes:
{{proposed}}
- To carry this out: add the tag {{applyTag}}, or write an internal note starting with {{applyCommand}}. The bot then does exactly this and proposes the next step.
- To do it your way: just do it (a public reply of yours, or the tag {{handoffTag}}, takes the ticket over); the tag {{rejectTag}} or a note starting with {{rejectCommand}} stops the bot.
Proposal {{proposalId}}. Without an agent's answer by {{deadline}} the bot stops.
{{facts}}
{{stepNote}}`,
  note_shadow_applied: `[twofa-desk] An agent applied proposal {{proposalId}}: the bot carried it out as proposed.`,
  note_shadow_expired: `[twofa-desk] Shadow mode: no agent applied proposal {{proposalId}} by {{deadline}}, so the bot stopped. Nothing was changed; the ticket is yours.`,
  note_shadow_ended: `[twofa-desk] Shadow mode: the bot ends here. It changed nothing and wrote nothing to the requester; the ticket is yours. In live mode it would have {{ending}}:
{{proposed}}
{{stepNote}}`,
  note_change_approval: `[twofa-desk] Approval needed for an account change. The bot proposes:
{{proposed}}
The requester was told that a colleague is confirming the change.
- To approve: add the tag {{approveChangeTag}}, or write an internal note starting with {{approveChangeCommand}}.
- To stop: add the tag {{rejectTag}}, or write an internal note starting with {{rejectCommand}}; the ticket is then yours.
Proposal {{proposalId}}. Without an answer by {{deadline}} the ticket is escalated.
{{facts}}
{{stepNote}}`,
  note_change_reminder: `[twofa-desk] Still waiting for an agent to approve the account change: tag {{approveChangeTag}} or note {{approveChangeCommand}} to approve; tag {{rejectTag}} or note {{rejectCommand}} to stop. Escalates at {{deadline}}.`,
  note_change_approved: `[twofa-desk] An agent approved proposal {{proposalId}}: the bot makes the change now.`,
  note_proposal_rejected: `[twofa-desk] An agent rejected the bot's proposal. The bot has stopped; the ticket is yours.`,
  fact_step_note: `The step's own note, as it stands once the step is carried out:`,
  fact_would_reply: `- Send the requester this public reply:`,
  fact_would_set_status: `- Set the ticket {{status}}.`,
  fact_would_add_group: `- Add platform user {{user}} to the group {{group}}.`,
  fact_would_start_challenge: `- Start a resync of token {{serial}} ({{tokenType}}) on the platform, which issues the challenge the requester enters.`,
  fact_would_resync: `- Resync token {{serial}} ({{tokenType}}) with the two codes in the requester's comment {{commentId}} (read from the ticket when it runs).`,
  fact_would_resync_challenge: `- Resync token {{serial}} ({{tokenType}}) with the response in the requester's comment {{commentId}} to the challenge {{challenge}}.`,
  fact_would_hold_codes: `- Hold the codes in the requester's comment {{commentId}} for you to type into the console (the platform cannot resync token {{serial}} through its API).`,
  fact_shadow_would_solve: `solved the ticket`,
  fact_shadow_would_close: `closed the ticket as no response`,
  fact_shadow_would_escalate: `escalated the ticket ({{reason}}): assigned the escalation group and told the requester a colleague takes over`,

  fact_user: `- Platform user: {{user}}, found by {{matchedBy}}.`,
  fact_approved: `- An agent approved acting for this user.`,
  fact_group_ok: `- Group membership: in place.`,
  fact_group_pending: `- The user has no group: add {{pendingGroup}} once the token works (the bot adds a group only after the requester's codes prove they hold the token, or an agent approves).`,
  fact_group_added: `- The user had no group membership; the bot added the group {{group}}.`,
  fact_token: `- Token: {{tokenType}}, serial {{serial}}, {{codeLength}}-digit codes.`,
  fact_challenge: `- Challenge shown to the user: {{challenge}}.`,
  fact_resynced: `- Token {{serial}} resynced at {{resyncedAt}}.`,
  fact_attempts: `- Failed attempts this round: {{attempts}} of {{maxAttempts}}.`,
  fact_none: `- Nothing on the account was changed.`,
  fact_unfinished_resolved: `The bot meant to solve the ticket: tell the requester their login works again, tag it {{resolvedTag}} and set it solved. The ticket is not solved, and the requester may not have been told.`,
  fact_unfinished_timed_out: `The bot meant to close the ticket as no response: tell the requester and set it solved. The ticket is not solved, and the requester may not have been told.`,
  fact_unfinished_escalated: `The bot meant to escalate the ticket: tell the requester a colleague takes over, assign the escalation group and tag it {{escalatedTag}}. No group is assigned, and the requester may not have been told.`,
  fact_unfinished_escalation: `Why the bot stopped: {{why}} ({{escalationReason}}). What it saw: {{detail}}`,

  why_user_not_found: `the requester was not found in the 2FA platform`,
  why_users_ambiguous: `several platform users could be the requester`,
  why_identity_mismatch: `the requester is not the platform user, and no agent approved`,
  why_no_group_mapping: `the user has no group and no group is mapped for their email domain`,
  why_no_token: `the user has no active token`,
  why_several_tokens: `the user has more than one active token`,
  why_token_locked: `the token is locked`,
  why_token_unsupported: `the bot cannot resync this kind of token`,
  why_max_attempts: `too many failed attempts`,
  why_retest_failed: `the login still fails after the resync`,
  why_no_response: `the requester did not answer`,
  why_effect_failed: `a step failed after all retries`,
  why_not_requester: `someone other than the requester answered`,
  why_resync_not_automated: `the 2FA platform's API cannot resync this token, so the bot did not ask the user for codes`,
  why_group_not_automated: `the user has no group and the 2FA platform's API cannot add one`,
  why_sla_risk: `an SLA target is about to be breached`,
  why_operator_request: `an operator escalated the ticket`,
  why_tenant_unknown: `the bot cannot tell which customer's 2FA platform the requester belongs to`,
  why_lockout_risk: `one more try could lock the user out under the 2FA platform's lock-out policy`,
  why_resync_limit: `the user already had the most resyncs the policy allows in a day`,
  why_resync_assisted: `the 2FA platform's API cannot resync this token, so the bot collected the user's codes for you to type in`,
  why_fail_limit: `the token is at its fail limit: the platform refuses every login until its fail counter is reset`,
  why_change_not_approved: `no agent approved the account change the bot asked for`,

  next_user_not_found: `Look the user up in the 2FA administration platform (Assignment tab, by last name or user ID). If found, follow the runbook from there:
{{resyncSteps}}
If the requester has no account, tell them who can enrol them.`,
  next_users_ambiguous: `Work out which candidate is the requester (ask them for their user ID if needed), open that user on the Assignment tab and follow the runbook:
{{resyncSteps}}`,
  next_identity_mismatch: `Confirm with the token's owner that they asked for this, then resync by hand:
{{resyncSteps}}`,
  next_no_group_mapping: `On the user's profile select Group Membership, click "Add", select the right group and click "Apply". Then have the user re-test; if the token is also out of sync:
{{resyncSteps}}
To let the bot do this next time, map the user's email domain to a group in the policy.`,
  next_no_token: `Check Authentication Methods on the user's profile: the user needs an active token (Assign or Provision one as your process says).`,
  next_several_tokens: `Ask the user which token fails, then resync that one:
{{resyncSteps}}`,
  next_token_locked: `Unlock the token (or issue a new one) under Authentication Methods > Manage, then resync it and have the user re-test:
{{resyncSteps}}`,
  next_token_unsupported: `The bot resyncs MobilePASS and KT-style tokens only. Resync this one by hand:
{{resyncSteps}}`,
  next_max_attempts: `Resync the token with the user on the phone or by chat:
{{resyncSteps}}`,
  next_retest_failed: `The token was resynced but the user still can't log in. Check Group Membership on the user's profile and the Authentication Activity for the failing logins; the cause may not be the token.`,
  next_no_response: `Follow up with the requester, or close the ticket if they no longer need help.`,
  next_effect_failed: `Check the failing integration ({{detail}}), then finish the runbook by hand from where the bot stopped (see the history):
{{resyncSteps}}`,
  next_unfinished_resolved: `Tell the requester their login works again and solve the ticket. Then find out why the ticket system did not take the update (its answer is above): the bot's next solved tickets may fail the same way.`,
  next_unfinished_timed_out: `Follow up with the requester, or solve the ticket as no response. Then find out why the ticket system did not take the update (its answer is above).`,
  next_unfinished_escalated: `Assign the ticket to the right group and tell the requester a colleague takes over. Then find out why the ticket system did not take the update (its answer is above): if the escalation group was deleted or renamed, correct the bot's escalation group setting, or its next escalations fail the same way. For the ticket itself:
{{escalationNext}}`,
  next_sla_risk: `Answer the requester before the target above passes. The bot stopped where the history ends; finish the runbook by hand from there:
{{resyncSteps}}`,
  next_not_requester: `Check who answered and whether they may act for the requester, then resync by hand:
{{resyncSteps}}`,
  next_operator_request: `The operator's reason: {{detail}}. Finish the runbook by hand from where the bot stopped (see the history):
{{resyncSteps}}`,
  next_tenant_unknown: `{{detail}}. Find the requester's company, then follow the runbook in that customer's 2FA platform:
{{resyncSteps}}
To let the bot take such tickets, add the customer (its organization id or email domain) to the tenants file and reload it.`,

  next_resync_not_automated: `Resync the token in the console with the user on the phone or by chat:
{{resyncSteps}}`,
  next_lockout_risk: `Do not ask the user for more codes through the bot. Check the user's Authentication Activity for failed logins and whether the account is locked, then resync by hand with the user on the phone or by chat:
{{resyncSteps}}`,
  next_resync_limit: `Someone has asked for this user's token to be resynced many times today. Check with the user in person (phone or video, not by replying to this ticket) that they asked for it and still hold the device, then resync by hand:
{{resyncSteps}}`,
  next_fail_limit: `The user's codes matched and the token is in sync again; only its fail counter blocks the login. Reset the fail counter (privacyIDEA: Tokens > {{serial}} > Reset fail counter), then have the user re-test.`,
  next_change_not_approved: `The bot asked for approval of an account change (see its notes above) and made none. If the change is right, make it by hand, then have the user re-test:
{{resyncSteps}}`,
  next_group_not_automated: `On the user's profile select Group Membership, click "Add", select the right group and click "Apply". Then have the user re-test; if the token is also out of sync:
{{resyncSteps}}`,

  runbook_console_otp: `Resync it by hand ({{platformName}} has no API for this), with the user on the phone or by chat:
- Log in to {{console}}.
- Assignment tab: search the user by Last Name "{{lastName}}" or User ID "{{userName}}" and open them.
- Authentication Methods: click "Manage" next to the {{tokenType}} token, serial {{serial}}, and select "Resync".
- Ask the user for the code their MobilePASS app shows and enter it in the first box; ask for the next code and enter it in the second box; click "Resync".
- Have the user re-try their login, then solve the ticket.`,
  runbook_console_challenge: `Resync it by hand ({{platformName}} has no API for this), with the user on the phone or by chat:
- Log in to {{console}}.
- Assignment tab: search the user by Last Name "{{lastName}}" or User ID "{{userName}}" and open them.
- Authentication Methods: click "Manage" next to the {{tokenType}} token, serial {{serial}}, and select "Resync": the console shows a Challenge.
- Have the user hold the button on their token until options such as Init and Contrast come up; when it shows 'Resync' they press the button again.
- They enter the code from the Challenge box; the token shows a response, which they read to you. Type it in the Response box and click "Resync".
- Have the user re-test their service, then solve the ticket.`,
  runbook_assist_otp: `The requester's two codes are ready for you; the console step takes about a minute:
- Open {{url}} (log in with the operations token). It shows the codes once, until {{expiresAt}}.
- Log in to {{console}}.
- Assignment tab: search the user by User ID "{{userName}}" (Last Name "{{lastName}}") and open them.
- Authentication Methods: click "Manage" next to the {{tokenType}} token, serial {{serial}}, select "Resync", type the first code in the first box and the second code in the second box, click "Resync".
- Reply to the requester that they can log in again; solve the ticket when they confirm.
If the page says the codes were already shown or have expired, ask the requester for two new codes and resync with them.`,
  runbook_console_group: `Add the group by hand ({{platformName}} has no API for this):
- Log in to {{console}}.
- Assignment tab: search the user by Last Name "{{lastName}}" or User ID "{{userName}}" and open their profile.
- Select Group Membership, click "Add", select the group "{{group}}" and click "Apply".
- Have the user re-test their service. If the login still fails, check the token under Authentication Methods > "Manage" > "Resync" as the runbook says.`,

  runbook_resync_otp: `- In the 2FA administration platform, Assignment tab: find the user, open Authentication Methods and click "Manage" next to the MobilePASS token.
- Select "Resync". Ask the user for the code their app shows and enter it in the first box; ask for the next code and enter it in the second box; click "Resync".
- Have the user re-try their login.`,
  runbook_resync_challenge: `- In the 2FA administration platform, Assignment tab: find the user, open Authentication Methods and click "Manage" next to the KT token, then select "Resync".
- Have the user hold the button on the token until options such as Init and Contrast come up; when it shows 'Resync' they press the button again.
- They enter the challenge from the Challenge box; the token gives a response. Enter it in the Response box and click "Resync".
- Have the user re-test their service.`,
  runbook_resync_generic: `- In the 2FA administration platform, Assignment tab: find the user by last name or user ID, open Authentication Methods and click "Manage" next to the token.
- Check Group Membership; if there is none, click "Add", select the group and click "Apply".
- Select "Resync" on the token and follow the steps for its type (MobilePASS: two codes in a row; KT: challenge and response).
- Have the user re-test their service.`,
} as const;

export type TemplateName = keyof typeof DEFAULT_TEMPLATES;
export const TEMPLATE_NAMES = Object.keys(DEFAULT_TEMPLATES) as TemplateName[];
export type TemplateVars = Readonly<Record<string, string | number | undefined>>;

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;
const LONE_PLACEHOLDER = /^\s*\{\{\s*(\w+)\s*\}\}\s*$/;

const REPLY_NAMES: ReadonlySet<string> = new Set(Object.keys(ENGLISH_REPLIES));

/** Whether a template is a reply the requester reads (in their language) rather than an internal note. */
export function isReplyName(name: string): name is ReplyName {
  return REPLY_NAMES.has(name);
}

/**
 * Renders a template. A reply the requester reads comes in `language` (the requester's, see language-choice.ts;
 * without one, the policy's language when the bot speaks it), from the policy's text for that language or else the
 * language's catalogue (messages/, through i18next). An internal note is for agents and stays in the deployment's
 * language: the policy's text for policy.language when it has one, the English default otherwise. In a note, a line
 * that holds only a placeholder whose value is empty is dropped, so optional blocks (a list of facts) leave no gap;
 * unknown placeholders render empty rather than showing braces to anyone.
 */
export function render(name: TemplateName, vars: TemplateVars, policy: Pick<Policy, 'language' | 'templates'>, language?: Language): string {
  if (isReplyName(name)) return renderReply(name, vars, policy, language ?? defaultReplyLanguage(policy));
  const text = policy.templates[policy.language]?.[name] ?? DEFAULT_TEMPLATES[name];
  const value = (key: string): string => {
    const v = vars[key];
    return v === undefined ? '' : String(v);
  };
  return text
    .split('\n')
    .filter((line) => {
      const lone = LONE_PLACEHOLDER.exec(line);
      return !lone || value(lone[1] ?? '') !== '';
    })
    .join('\n')
    .replace(PLACEHOLDER, (_, key: string) => value(key))
    .trim();
}

export const WHY_TEMPLATE: Record<EscalationReason, TemplateName> = {
  user_not_found: 'why_user_not_found',
  users_ambiguous: 'why_users_ambiguous',
  identity_mismatch: 'why_identity_mismatch',
  no_group_mapping: 'why_no_group_mapping',
  no_token: 'why_no_token',
  several_tokens: 'why_several_tokens',
  token_locked: 'why_token_locked',
  token_unsupported: 'why_token_unsupported',
  max_attempts: 'why_max_attempts',
  retest_failed: 'why_retest_failed',
  no_response: 'why_no_response',
  effect_failed: 'why_effect_failed',
  not_requester: 'why_not_requester',
  resync_not_automated: 'why_resync_not_automated',
  group_not_automated: 'why_group_not_automated',
  sla_risk: 'why_sla_risk',
  operator_request: 'why_operator_request',
  tenant_unknown: 'why_tenant_unknown',
  lockout_risk: 'why_lockout_risk',
  resync_assisted: 'why_resync_assisted',
  resync_limit: 'why_resync_limit',
  fail_limit: 'why_fail_limit',
  change_not_approved: 'why_change_not_approved',
};

export const NEXT_TEMPLATE: Record<EscalationReason, TemplateName> = {
  user_not_found: 'next_user_not_found',
  users_ambiguous: 'next_users_ambiguous',
  identity_mismatch: 'next_identity_mismatch',
  no_group_mapping: 'next_no_group_mapping',
  no_token: 'next_no_token',
  several_tokens: 'next_several_tokens',
  token_locked: 'next_token_locked',
  token_unsupported: 'next_token_unsupported',
  max_attempts: 'next_max_attempts',
  retest_failed: 'next_retest_failed',
  no_response: 'next_no_response',
  effect_failed: 'next_effect_failed',
  not_requester: 'next_not_requester',
  resync_not_automated: 'next_resync_not_automated',
  group_not_automated: 'next_group_not_automated',
  sla_risk: 'next_sla_risk',
  operator_request: 'next_operator_request',
  tenant_unknown: 'next_tenant_unknown',
  lockout_risk: 'next_lockout_risk',
  resync_assisted: 'next_resync_not_automated',
  resync_limit: 'next_resync_limit',
  fail_limit: 'next_fail_limit',
  change_not_approved: 'next_change_not_approved',
};
