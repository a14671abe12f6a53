import Table from 'cli-table3';

/** A plain (uncoloured) text table: readable in a terminal and in a log file. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  // No rule between rows: a history of fifty lines stays fifty lines.
  const t = new Table({ head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString();
}

export function isoTime(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString();
}
