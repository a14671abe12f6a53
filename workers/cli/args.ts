import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { UsageError } from './command.js';

/**
 * Parses a command's arguments (node:util parseArgs) and validates them with a zod schema: anything unknown or
 * invalid is a UsageError naming the argument.
 */
export function parseCliArgs<S extends z.ZodType>(args: string[], options: NonNullable<ParseArgsConfig['options']>, schema: S): z.infer<S> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const res = schema.safeParse({ ...parsed.values, positionals: parsed.positionals });
  if (!res.success) {
    const issue = res.error.issues[0];
    const where = issue?.path.map(String).join('.') ?? '';
    throw new UsageError(`${where === '' ? 'arguments' : where.replace(/^positionals\.?/, 'argument ')}: ${issue?.message ?? 'invalid'}`);
  }
  return res.data;
}
