import type { z } from 'zod';
import { ConfigError } from './config-error.js';

/** `FOO=` in an env file or a compose file means "not set", not an empty value to validate. */
export const blankIsUnset = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/**
 * Parses a section of the environment with its schema. The first problem throws ConfigError naming its variable
 * (`fallback` when zod names none) with zod's message: the value itself is never echoed, it may be a secret.
 */
export function parseConfig<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv, fallback: string): z.output<S> {
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConfigError(String(issue?.path[0] ?? fallback), issue?.message ?? 'invalid');
}
