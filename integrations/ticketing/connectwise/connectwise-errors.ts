import { DeskBudgetSpent, TicketingError } from '../errors.js';

/** ConnectWise understood the request and said no (400, 403, 409 …): sending it again cannot help. */
export class ConnectWiseRequestRefused extends TicketingError {
  override readonly name = 'ConnectWiseRequestRefused';
  constructor(
    readonly status: number,
    what: string,
    detail: string,
  ) {
    const hint = status === 403 ? " (the API member's security role lacks a right: see the README, \"API member\")" : '';
    super(`connectwise refused ${what} (HTTP ${status}): ${detail}`, `connectwise answered ${status} to ${what}: ${detail}${hint}`, false);
  }
}

/** ConnectWise answered 2xx with a body that is not the documented shape: `field` names the first field that differs. */
export class ConnectWiseResponseInvalid extends TicketingError {
  override readonly name = 'ConnectWiseResponseInvalid';
  constructor(
    readonly what: string,
    readonly field: string,
    detail: string,
  ) {
    super(
      `connectwise answered ${what} with an unexpected shape at "${field}": ${detail}`,
      `the answer to ${what} has an unexpected "${field}" (${detail}): check CONNECTWISE_SITE is the REST API base (…/apis/3.0) and CONNECTWISE_API_VERSION a version the server has`,
      false,
    );
  }
}

/** The bot's own budget for the site (CONNECTWISE_RATE_LIMIT_PER_MIN) is spent: see DeskBudgetSpent. */
export class ConnectWiseBudgetSpent extends DeskBudgetSpent {
  override readonly name = 'ConnectWiseBudgetSpent';
  constructor(retryAfterMs: number, perWindow: number, windowMs: number) {
    super({ desk: 'ConnectWise', scope: 'site', variable: 'CONNECTWISE_RATE_LIMIT_PER_MIN' }, retryAfterMs, perWindow, windowMs);
  }
}

/** A board has no active status of the names the bot needs: an admin renamed or removed it, or the names differ. */
export class ConnectWiseStatusMissing extends TicketingError {
  override readonly name = 'ConnectWiseStatusMissing';
  constructor(
    readonly boardId: number,
    readonly variable: string,
    names: readonly string[],
  ) {
    super(
      `connectwise board ${boardId} has no active status named ${names.map((n) => `"${n}"`).join(' or ')}`,
      `board ${boardId} has no active status named ${names.map((n) => `"${n}"`).join(' or ')}: set ${variable} to the status's name on that board (see "twofa-desk connectwise check")`,
      false,
    );
  }
}
