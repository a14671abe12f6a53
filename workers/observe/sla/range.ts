import { z } from 'zod';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
export const DEFAULT_SINCE = '7d';
/** SLA records are kept 90 days; a range longer than this is a typo. */
const MAX_RANGE_MS = 400 * UNIT_MS.d;

/** A query or option that does not name a usable time range; `reason` says what to send instead. */
export class BadRange extends Error {
  override readonly name = 'BadRange';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** `7d`, `12h`, `30m`, `2w` → ms. */
export const DurationSchema = z
  .string()
  .regex(/^\d+[mhdw]$/, 'a duration such as 30m, 12h, 7d or 2w')
  .transform((s) => Number(s.slice(0, -1)) * UNIT_MS[s.slice(-1) as keyof typeof UNIT_MS]);

/** An ISO 8601 date (`2024-05-06`, UTC midnight) or date-time with a zone (`2024-05-06T09:00:00Z`) → ms. */
export const InstantSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/, 'an ISO 8601 date or date-time with a zone, e.g. 2024-05-06 or 2024-05-06T09:00:00Z')
  .transform((s, ctx) => {
    const ms = Date.parse(s);
    // Date.parse rolls 2026-02-30 over into March: check the calendar day itself.
    const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
    if (Number.isNaN(ms) || new Date(Date.UTC(y, m - 1, d)).getUTCDate() !== d) ctx.addIssue({ code: 'custom', message: `${s} is not a real date` });
    return ms;
  });

export const RangeQuerySchema = z.object({
  from: InstantSchema.optional(),
  to: InstantSchema.optional(),
  since: DurationSchema.optional(),
});
export type RangeQuery = z.infer<typeof RangeQuerySchema>;

/** `to` defaults to now, `from` to `to` minus `since` (default 7 days). */
export function resolveRange(q: RangeQuery, now: number): { from: number; to: number } {
  const to = q.to ?? now;
  const from = q.from ?? to - (q.since ?? UNIT_MS.d * 7);
  if (from > to) throw new BadRange(`from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()}): swap them`);
  if (to - from > MAX_RANGE_MS) throw new BadRange('the range is longer than 400 days (records are kept 90 days): narrow from/to');
  return { from, to };
}

/** Parses a query string's range fields; throws BadRange naming the field. */
export function parseRangeQuery(input: unknown, now: number): { from: number; to: number } {
  const parsed = RangeQuerySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadRange(`${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}`);
  }
  return resolveRange(parsed.data, now);
}
