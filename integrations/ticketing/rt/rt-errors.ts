import { TicketingError } from '../errors.js';

/** RT understood the request and said no: an HTTP 4xx, or a 200 whose messages show a change was not made. */
export class RtRequestRefused extends TicketingError {
  override readonly name = 'RtRequestRefused';
  constructor(
    readonly status: number,
    what: string,
    detail: string,
  ) {
    super(`rt refused ${what} (HTTP ${status}): ${detail}`, `RT answered ${status} to ${what}: ${detail} (check the bot user's rights on the queue, RT_QUEUE, RT_ESCALATION_QUEUE and the custom field)`, false);
  }
}

/** RT answered 2xx with a body that is not the documented shape: `field` names the first field that differs. */
export class RtResponseInvalid extends TicketingError {
  override readonly name = 'RtResponseInvalid';
  constructor(
    readonly what: string,
    readonly field: string,
    detail: string,
  ) {
    super(
      `rt answered ${what} with an unexpected shape at "${field}": ${detail}`,
      `the answer to ${what} has an unexpected "${field}" (${detail}): check RT_URL points at RT (REST 2.0 is under it at /REST/2.0)`,
      false,
    );
  }
}

/** The bot's own request budget for this RT (RT_RATE_LIMIT_PER_MIN, over every worker) has no room in time. */
export class RtBudgetSpent extends TicketingError {
  override readonly name = 'RtBudgetSpent';
  constructor(
    readonly retryAfterMs: number,
    perMinute: number,
  ) {
    super(
      `the bot's own RT budget (${perMinute} requests per minute) is spent: next room in ${retryAfterMs} ms`,
      `the bot's own budget of ${perMinute} requests per minute to RT is spent (RT_RATE_LIMIT_PER_MIN, over every worker): next room in ${retryAfterMs} ms`,
      true,
    );
  }
}
