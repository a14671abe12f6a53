import pino, { type Logger } from 'pino';

/** Paths pino blanks out wherever they appear: secrets never reach a log line. */
export const REDACT_PATHS = [
  'secret',
  '*.secret',
  'apiToken',
  '*.apiToken',
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-desk-webhook-signature"]',
  'headers["x-zendesk-webhook-signature"]',
  'text',
  '*.text',
  'body',
  '*.body',
  'codes',
  '*.codes',
  'response',
  '*.response',
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
