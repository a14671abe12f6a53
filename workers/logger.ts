import pino, { type Logger } from 'pino';

/**
 * Field names that hold secrets (credentials, OTP codes, challenge responses) or comment text. pino blanks them
 * at the top level and up to two levels down (`{ err: { config: { headers: { authorization } } } }` is covered
 * by the explicit paths below).
 */
export const SECRET_FIELDS = [
  'secret',
  'clientSecret',
  'apiToken',
  'apiKey',
  'api_key',
  'apikey',
  'password',
  'passwd',
  'token',
  'accessToken',
  'refreshToken',
  'authorization',
  'Authorization',
  'cookie',
  'otp',
  'otp1',
  'otp2',
  'otpCode',
  'code1',
  'code2',
  'codes',
  'passcode',
  'pass',
  'response',
  'text',
  'body',
];

/** Paths pino blanks out: secrets never reach a log line. */
export const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  'headers["x-desk-webhook-signature"]',
  'headers["x-zendesk-webhook-signature"]',
  'headers["pi-authorization"]',
  'headers["x-api-key"]',
  '*.headers["x-desk-webhook-signature"]',
  '*.headers["x-zendesk-webhook-signature"]',
  '*.headers["pi-authorization"]',
  '*.headers["x-api-key"]',
  '*.config.headers.authorization',
  '*.config.headers.Authorization',
  '*.config.headers["x-api-key"]',
  '*.config.data',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'twofa-desk' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
