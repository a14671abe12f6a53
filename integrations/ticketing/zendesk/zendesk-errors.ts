import { TicketingError } from '../errors.js';

/** Zendesk understood the request and said no (400, 403, 409, 422 …): sending it again cannot help. */
export class ZendeskRequestRefused extends TicketingError {
  override readonly name = 'ZendeskRequestRefused';
  constructor(
    readonly status: number,
    what: string,
    detail: string,
  ) {
    super(`zendesk refused ${what} (HTTP ${status}): ${detail}`, `zendesk answered ${status} to ${what}: ${detail}`, false);
  }
}

/** Zendesk answered 2xx with a body that is not the documented shape: `field` names the first field that differs. */
export class ZendeskResponseInvalid extends TicketingError {
  override readonly name = 'ZendeskResponseInvalid';
  constructor(
    readonly what: string,
    readonly field: string,
    detail: string,
  ) {
    super(
      `zendesk answered ${what} with an unexpected shape at "${field}": ${detail}`,
      `the answer to ${what} has an unexpected "${field}" (${detail}): check ZENDESK_SUBDOMAIN / ZENDESK_BASE_URL points at the Zendesk API`,
      false,
    );
  }
}

/**
 * The bot's own request budget for the account (ZENDESK_RATE_LIMIT_PER_MIN, shared by every worker) has no room
 * within the wait this caller allows: nothing was sent, and Zendesk did not ask for anything. A rate limit to its
 * callers all the same (`retryAfterMs`: the effect runner delays the effect, the intake asks the sender to retry
 * then), with a reason that says whose limit it is.
 */
export class ZendeskBudgetSpent extends TicketingError {
  override readonly name = 'ZendeskBudgetSpent';
  constructor(
    readonly retryAfterMs: number,
    perWindow: number,
    windowMs: number,
  ) {
    const budget = `${perWindow} requests per ${windowMs === 60_000 ? 'minute' : `${windowMs} ms`}`;
    super(
      `the bot's own Zendesk budget (${budget}) is spent: next room in ${retryAfterMs} ms`,
      `the bot's own budget of ${budget} to this Zendesk account is spent (ZENDESK_RATE_LIMIT_PER_MIN, over every worker): next room in ${retryAfterMs} ms; Zendesk itself did not ask to slow down`,
      true,
    );
  }
}
