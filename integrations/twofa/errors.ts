/** Errors a 2FA platform adapter throws. Each has a stable name and a reason an operator can act on. */
export class PlatformError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    /** true when a later retry may succeed (network, 5xx, rate limit) */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export class PlatformUnavailable extends PlatformError {
  override readonly name = 'PlatformUnavailable';
  constructor(platform: string, detail: string) {
    super(`${platform} is unavailable: ${detail}`, `${platform} did not answer (${detail}); the call is retried with backoff`, true);
  }
}

export class PlatformRateLimited extends PlatformError {
  override readonly name = 'PlatformRateLimited';
  constructor(platform: string, readonly retryAfterMs: number) {
    super(`${platform} rate limit: retry after ${retryAfterMs} ms`, `${platform} asked to slow down for ${retryAfterMs} ms`, true);
  }
}

export class PlatformUserNotFound extends PlatformError {
  override readonly name = 'PlatformUserNotFound';
  constructor(userId: string) {
    super(`user ${userId} not found`, `the platform has no user ${userId}; check it was not deleted or renamed`, false);
  }
}

export class TokenNotFound extends PlatformError {
  override readonly name = 'TokenNotFound';
  constructor(serial: string) {
    super(`token ${serial} not found`, `the platform has no token ${serial} for this user; check the Authentication Methods of the user`, false);
  }
}

export class PlatformForbidden extends PlatformError {
  override readonly name = 'PlatformForbidden';
  constructor(platform: string, what: string) {
    super(`${platform} refused ${what}`, `the API key or admin account lacks the permission to ${what}`, false);
  }
}

export class NotSupportedByPlatform extends PlatformError {
  override readonly name = 'NotSupportedByPlatform';
  constructor(platform: string, step: string, consoleSteps: string) {
    super(`${platform} cannot ${step} through its API`, `do it in the console: ${consoleSteps}`, false);
  }
}
