import { DeskBudgetSpent, TicketingError } from '../errors.js';

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

/** The bot's own budget for the account (ZENDESK_RATE_LIMIT_PER_MIN) is spent: see DeskBudgetSpent. */
export class ZendeskBudgetSpent extends DeskBudgetSpent {
  override readonly name = 'ZendeskBudgetSpent';
  constructor(retryAfterMs: number, perWindow: number, windowMs: number) {
    super({ desk: 'Zendesk', scope: 'account', variable: 'ZENDESK_RATE_LIMIT_PER_MIN' }, retryAfterMs, perWindow, windowMs);
  }
}
