import { DeskBudgetSpent, TicketingError } from '../errors.js';

/** ServiceNow understood the request and said no (400, 403, 404 on a list …): sending it again cannot help. */
export class ServiceNowRequestRefused extends TicketingError {
  override readonly name = 'ServiceNowRequestRefused';
  constructor(
    readonly status: number,
    what: string,
    detail: string,
  ) {
    const hint = status === 403 ? ' (an ACL, business rule or data policy: check the bot user\'s roles, see the README)' : '';
    super(`servicenow refused ${what} (HTTP ${status}): ${detail}`, `servicenow answered ${status} to ${what}: ${detail}${hint}`, false);
  }
}

/** ServiceNow answered 2xx with a body that is not the documented shape: `field` names the first field that differs. */
export class ServiceNowResponseInvalid extends TicketingError {
  override readonly name = 'ServiceNowResponseInvalid';
  constructor(
    readonly what: string,
    readonly field: string,
    detail: string,
  ) {
    super(
      `servicenow answered ${what} with an unexpected shape at "${field}": ${detail}`,
      `the answer to ${what} has an unexpected "${field}" (${detail}): check SERVICENOW_INSTANCE_URL points at the instance, and that the bot user may read that field (an ACL hides fields)`,
      false,
    );
  }
}

/** The bot's own budget for the instance (SERVICENOW_RATE_LIMIT_PER_MIN) is spent: see DeskBudgetSpent. */
export class ServiceNowBudgetSpent extends DeskBudgetSpent {
  override readonly name = 'ServiceNowBudgetSpent';
  constructor(retryAfterMs: number, perWindow: number, windowMs: number) {
    super({ desk: 'ServiceNow', scope: 'instance', variable: 'SERVICENOW_RATE_LIMIT_PER_MIN' }, retryAfterMs, perWindow, windowMs);
  }
}

/** The instance's choice list (sys_choice) lacks a choice the adapter needs: an admin renamed or deactivated it. */
export class ServiceNowChoiceMissing extends TicketingError {
  override readonly name = 'ServiceNowChoiceMissing';
  constructor(
    readonly element: string,
    labels: readonly string[],
  ) {
    super(
      `servicenow has no active incident.${element} choice labelled ${labels.map((l) => `"${l}"`).join(' or ')}`,
      `the instance's incident.${element} choices (sys_choice, language en) have none labelled ${labels.map((l) => `"${l}"`).join(' or ')}: restore it, or see "twofa-desk servicenow check"`,
      false,
    );
  }
}
