import { benchBurst } from './burst.js';
import { round, type Row } from './util.js';

/**
 * One deployment serving many customers against the single-platform configuration, in the same run: `tickets` at once
 * through the whole app (desk, intake, workers, embedded platforms, simulated users), once with one platform and once
 * split over `tenants` customers (TENANTS_FILE: routing by email domain, a platform, a key space and a limit each).
 * Each layout runs RUNS times, alternating, and keeps its best run: the ratio compares like with like on a shared
 * machine, where one 1,000-ticket burst of the same layout varied from 115 to 233 tickets/s between runs.
 */
const RUNS = 3;

export async function benchTenants(url: string, tickets: number, tenants: number): Promise<Row[]> {
  const rate = async (n: number): Promise<{ perS: number; resolved: string }> => {
    const rows = await benchBurst(url, { tickets, paced: 0, rate: 1, layout: 'one', ...(n > 0 ? { tenants: n } : {}) });
    const wall = rows[0]?.value ?? Number.NaN;
    const resolved = /^(\d+)\/(\d+) resolved/.exec(rows[0]?.note ?? '');
    if (!resolved || resolved[1] !== resolved[2]) throw new Error(`not every ticket resolved (${rows[0]?.note ?? 'no note'})`);
    return { perS: tickets / wall, resolved: `${resolved[1]}/${resolved[2]}` };
  };
  const single: number[] = [];
  const many: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    single.push((await rate(0)).perS);
    many.push((await rate(tenants)).perS);
  }
  const one = Math.max(...single);
  const split = Math.max(...many);
  const ratio = split / one;
  const bench = '2 tenants';
  return [
    { bench, metric: `${tickets} tickets at once, one platform (single-tenant configuration)`, value: round(one, 1), unit: 'tickets/s', note: `runs: ${single.map((r) => round(r, 1)).join(', ')} tickets/s` },
    {
      bench,
      metric: `${tickets} tickets at once across ${tenants} tenants (a platform, seed and email domain each)`,
      value: round(split, 1),
      unit: 'tickets/s',
      goal: 'within 10 % of one platform',
      met: ratio >= 0.9,
      note: `${round(ratio * 100, 1)} % of the single-tenant figure of the same run; runs: ${many.map((r) => round(r, 1)).join(', ')} tickets/s`,
    },
  ];
}
