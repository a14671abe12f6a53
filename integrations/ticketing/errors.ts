/** Errors a ticket system adapter throws. Each has a stable name and a reason an operator can act on. */
export class TicketingError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** A webhook refused: `reason` is a short machine-readable slug (metrics label), `message` tells the sender why. */
export class InvalidWebhook extends TicketingError {
  override readonly name = 'InvalidWebhook';
  constructor(
    readonly slug: 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'bad_json' | 'bad_shape' | 'too_large' | 'replayed',
    message: string,
    readonly statusCode: 400 | 401 | 409 | 413 = 400,
  ) {
    super(message, slug, false);
  }
}

export class TicketSystemUnavailable extends TicketingError {
  override readonly name = 'TicketSystemUnavailable';
  constructor(system: string, detail: string) {
    super(`${system} is unavailable: ${detail}`, `${system} did not answer (${detail}); retried with backoff`, true);
  }
}

export class TicketSystemRateLimited extends TicketingError {
  override readonly name = 'TicketSystemRateLimited';
  constructor(system: string, readonly retryAfterMs: number) {
    super(`${system} rate limit: retry after ${retryAfterMs} ms`, `${system} asked to slow down for ${retryAfterMs} ms`, true);
  }
}

export class TicketNotFound extends TicketingError {
  override readonly name = 'TicketNotFound';
  constructor(system: string, ticketId: string) {
    super(`${system} ticket ${ticketId} not found`, `ticket ${ticketId} does not exist in ${system} (deleted or merged?)`, false);
  }
}

export class TicketingAuthFailed extends TicketingError {
  override readonly name = 'TicketingAuthFailed';
  constructor(system: string) {
    super(`${system} refused the credentials`, `check the ${system} API credentials in the environment`, false);
  }
}

/** The desk a `DeskBudgetSpent` speaks of, as an operator knows it. */
export interface BudgetOwner {
  /** the product's name: "Zendesk" */
  desk: string;
  /** what one budget covers: "account", "site", "tenant" … */
  scope: string;
  /** the variable that sets the budget */
  variable: string;
}

/**
 * The bot's own request budget (shared by every worker) has no room within the wait this caller allows: nothing was
 * sent, and the desk did not ask for anything. A rate limit to its callers all the same (`retryAfterMs`: the effect
 * runner delays the effect, the intake asks the sender to retry then), with a reason that says whose limit it is.
 * Each desk's subclass keeps its own stable name.
 */
export abstract class DeskBudgetSpent extends TicketingError {
  constructor(
    owner: BudgetOwner,
    readonly retryAfterMs: number,
    perWindow: number,
    windowMs: number,
  ) {
    const budget = `${perWindow} requests per ${windowMs === 60_000 ? 'minute' : `${windowMs} ms`}`;
    super(
      `the bot's own ${owner.desk} budget (${budget}) is spent: next room in ${retryAfterMs} ms`,
      `the bot's own budget of ${budget} to this ${owner.desk} ${owner.scope} is spent (${owner.variable}, over every worker): next room in ${retryAfterMs} ms; ${owner.desk} itself did not ask to slow down`,
      true,
    );
  }
}

/** The policy's escalationTarget (a tenant's, in TENANTS_FILE) is not of the form this desk takes: nothing was written. */
export class InvalidEscalationTarget extends TicketingError {
  override readonly name = 'InvalidEscalationTarget';
  constructor(system: string, problem: string) {
    super(`escalationTarget for ${system}: ${problem}`, `the policy's escalationTarget ${problem}: fix it in TENANTS_FILE (or POLICY_FILE) and reload`, false);
  }
}
