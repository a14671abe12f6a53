/** A variable is missing, malformed or contradicts another: start-up stops naming it (never echoing its value). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly variable: string, readonly reason: string) {
    super(`${variable}: ${reason}`);
  }
}
