const DAY_MS = 86_400_000;

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * "2024-05-06 09:00 UTC" for agents' notes. Workflows may not read the clock or build a Date (they must replay
 * the same way anywhere), so the calendar date is computed from the epoch day (Howard Hinnant's civil_from_days).
 */
export function formatUtc(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const minutes = Math.floor((ms - days * DAY_MS) / 60_000);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad(month)}-${pad(day)} ${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)} UTC`;
}
