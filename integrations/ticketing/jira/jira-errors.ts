import { DeskBudgetSpent, TicketingError } from '../errors.js';

/** Jira understood the request and said no (400, 403, 409 …): sending it again cannot help. */
export class JiraRequestRefused extends TicketingError {
  override readonly name = 'JiraRequestRefused';
  constructor(
    readonly status: number,
    what: string,
    detail: string,
  ) {
    super(`jira refused ${what} (HTTP ${status}): ${detail}`, `jira answered ${status} to ${what}: ${detail}`, false);
  }
}

/** Jira answered 2xx with a body that is not the documented shape: `field` names the first field that differs. */
export class JiraResponseInvalid extends TicketingError {
  override readonly name = 'JiraResponseInvalid';
  constructor(
    readonly what: string,
    readonly field: string,
    detail: string,
  ) {
    super(
      `jira answered ${what} with an unexpected shape at "${field}": ${detail}`,
      `the answer to ${what} has an unexpected "${field}" (${detail}): check JIRA_BASE_URL points at the Jira Cloud REST API`,
      false,
    );
  }
}

/**
 * The workflow asks for a status the request's workflow cannot reach from where it is: no available transition leads
 * to a status of that name. Transitions are read from Jira, never assumed, so the fix is a name or a workflow change.
 */
export class JiraTransitionUnavailable extends TicketingError {
  override readonly name = 'JiraTransitionUnavailable';
  constructor(
    readonly issueKey: string,
    readonly target: string,
    readonly variable: string,
    available: string[],
  ) {
    const list = available.length > 0 ? available.map((a) => `"${a}"`).join(', ') : 'none';
    super(
      `jira issue ${issueKey} has no transition to "${target}" (available: ${list})`,
      `no transition of ${issueKey} leads to "${target}": set ${variable} to one of ${list}, or add the transition to the request type's workflow`,
      false,
    );
  }
}

/** The bot's own budget for the site (JIRA_RATE_LIMIT_PER_MIN) is spent: see DeskBudgetSpent. */
export class JiraBudgetSpent extends DeskBudgetSpent {
  override readonly name = 'JiraBudgetSpent';
  constructor(retryAfterMs: number, perWindow: number, windowMs: number) {
    super({ desk: 'Jira', scope: 'site', variable: 'JIRA_RATE_LIMIT_PER_MIN' }, retryAfterMs, perWindow, windowMs);
  }
}

/** A request without a reporter (an anonymous portal request, a removed account): nobody the bot could help. */
export class JiraRequestWithoutReporter extends TicketingError {
  override readonly name = 'JiraRequestWithoutReporter';
  constructor(readonly issueKey: string) {
    super(
      `jira issue ${issueKey} has no reporter`,
      `${issueKey} has no reporter (an anonymous request, or the account was removed): the bot cannot tell whose token it is; an agent handles it`,
      false,
    );
  }
}
