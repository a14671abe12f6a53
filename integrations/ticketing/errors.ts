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
