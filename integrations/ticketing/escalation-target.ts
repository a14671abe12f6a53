import { InvalidEscalationTarget } from './errors.js';

/** The ticket systems, as TICKET_SYSTEM names them. */
export const DESKS = ['local', 'zendesk', 'jira', 'servicenow', 'rt', 'connectwise', 'halo'] as const;
export type Desk = (typeof DESKS)[number];

interface TargetForm {
  /** what the value must be, for the operator who wrote it */
  what: string;
  pattern: RegExp;
}

/** A name as a person writes it: no line breaks or other control characters, no space at either end. */
const NAME = /^(?![\s\S]*[\p{Cc}])\S(?:[\s\S]{0,198}\S)?$/u;

/**
 * What a policy's `escalationTarget` is on each desk: the desk's own id of the place its configured escalation
 * variable names (ZENDESK_ESCALATION_GROUP_ID, RT_ESCALATION_QUEUE …), in the same form.
 */
export const ESCALATION_TARGET_FORMS: Readonly<Record<Desk, TargetForm>> = {
  local: { what: 'a group name, as LOCAL_DESK_ESCALATION_GROUP', pattern: NAME },
  zendesk: { what: "the numeric id of a Zendesk group (the number in the group's URL), as ZENDESK_ESCALATION_GROUP_ID", pattern: /^[1-9][0-9]{0,18}$/ },
  jira: { what: 'the Atlassian account id of the agent escalated requests are assigned to, as JIRA_ESCALATION_ASSIGNEE', pattern: /^[A-Za-z0-9:_-]{1,128}$/ },
  servicenow: { what: 'the sys_id of a sys_user_group (32 hexadecimal characters), as SERVICENOW_ESCALATION_GROUP_SYS_ID', pattern: /^[0-9a-fA-F]{32}$/ },
  rt: { what: 'the name or number of an RT queue, as RT_ESCALATION_QUEUE', pattern: NAME },
  connectwise: { what: 'the numeric id of a service board, as CONNECTWISE_ESCALATION_BOARD_ID', pattern: /^[1-9][0-9]{0,9}$/ },
  halo: { what: 'the name of a Halo team as Halo shows it, as HALO_ESCALATION_TEAM', pattern: NAME },
};

/** Why `value` cannot be an escalation target on `desk`, or undefined when it has the desk's form. */
export function escalationTargetProblem(desk: Desk, value: string): string | undefined {
  const form = ESCALATION_TARGET_FORMS[desk];
  return form.pattern.test(value) ? undefined : `${JSON.stringify(value)} is not ${form.what}`;
}

/** The policy's escalation target for `desk`, checked: InvalidEscalationTarget names the value when its form is wrong. */
export function escalationTargetOf(desk: Desk, value: string): string {
  const problem = escalationTargetProblem(desk, value);
  if (problem !== undefined) throw new InvalidEscalationTarget(desk, problem);
  return value;
}
