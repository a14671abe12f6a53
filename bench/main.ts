import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { benchRedis, intEnv, type Row } from './util.js';
import { benchResync } from './resync.js';
import { benchThroughput } from './throughput.js';
import { benchBurst } from './burst.js';
import { benchEconomy, economyDetails } from './economy.js';
import { benchScaleOut } from './scaleout.js';
import { benchParser } from './parser.js';
import { benchZendeskEconomy, zendeskEconomyDetails } from './zendesk-economy.js';
import { benchJiraEconomy, jiraEconomyDetails } from './jira-economy.js';
import { benchTenants } from './tenants.js';
import { benchServiceNowEconomy, servicenowEconomyDetails } from './servicenow-economy.js';
import { benchConnectWiseEconomy, connectwiseEconomyDetails } from './connectwise-economy.js';
import { benchHaloEconomy, haloEconomyDetails } from './halo-economy.js';

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

function fmt(n: number | undefined): string {
  if (n === undefined) return '';
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : String(n);
}

function printTable(rows: Row[]): void {
  const head = ['bench', 'metric', 'value', 'unit', 'baseline', 'ratio', 'goal', 'met', 'note'];
  const body = rows.map((r) => [r.bench, r.metric, fmt(r.value), r.unit, fmt(r.baseline), r.ratio === undefined ? '' : String(r.ratio), r.goal ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'NO', r.note ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  process.stdout.write(`${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${body.map(line).join('\n')}\n`);
}

async function main(): Promise<void> {
  const only = new Set((process.env.BENCH_ONLY ?? 'throughput,burst,resync,economy,zendesk,servicenow,scaleout,parser,jira,connectwise,halo,tenants').split(',').map((s) => s.trim()));
  const concurrency = intEnv('BENCH_CONCURRENCY', 16);
  const started = Date.now();
  const redis = await benchRedis();
  const rows: Row[] = [];
  const section = async (name: string, run: () => Promise<Row[]> | Row[]) => {
    if (!only.has(name)) return;
    const t = Date.now();
    process.stderr.write(`bench: ${name} …\n`);
    try {
      rows.push(...(await run()));
    } catch (err) {
      process.stderr.write(`bench: ${name} failed: ${(err as Error).stack ?? String(err)}\n`);
      rows.push({ bench: name, metric: 'FAILED', value: Number.NaN, unit: '', note: (err as Error).message.slice(0, 200) });
    }
    process.stderr.write(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  };
  try {
    await section('throughput', () => benchThroughput(redis.url, intEnv('BENCH_EVENT_TICKETS', 1000), concurrency));
    await section('resync', () => benchResync([1000, 10_000], intEnv('BENCH_RESYNC_MS', 2000)));
    await section('economy', () => benchEconomy(redis.url));
    await section('zendesk', () => benchZendeskEconomy(redis.url));
    await section('jira', () => benchJiraEconomy(redis.url));
    await section('servicenow', () => benchServiceNowEconomy(redis.url));
    await section('connectwise', () => benchConnectWiseEconomy(redis.url));
    await section('halo', () => benchHaloEconomy(redis.url));
    const burst = { tickets: intEnv('BENCH_BURST', intEnv('BENCH_TICKETS', 1000)), paced: intEnv('BENCH_PACED_TICKETS', 300), rate: intEnv('BENCH_PACED_RATE', 100) };
    const layouts = (process.env.BENCH_BURST_LAYOUT ?? 'before,one,split').split(',').map((l) => l.trim());
    for (const layout of ['before', 'one', 'split'] as const) if (layouts.includes(layout)) await section('burst', () => benchBurst(redis.url, { ...burst, layout }));
    await section('tenants', () => benchTenants(redis.url, intEnv('BENCH_TENANT_TICKETS', 1000), intEnv('BENCH_TENANTS', 50)));
    await section('parser', () => benchParser(intEnv('BENCH_PARSER_MS', 1000)));
    await section('scaleout', () => benchScaleOut(redis.url, intEnv('BENCH_SCALE_TICKETS', 150), [1, 2, 4]));
  } finally {
    await redis.stop();
  }
  printTable(rows);
  const out = {
    at: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg() },
    redis: process.env.REDIS_URL ? 'REDIS_URL' : 'private redis-server',
    rows,
    economy: economyDetails,
    zendeskEconomy: zendeskEconomyDetails,
    jiraEconomy: jiraEconomyDetails,
    servicenowEconomy: servicenowEconomyDetails,
    connectwiseEconomy: connectwiseEconomyDetails,
    haloEconomy: haloEconomyDetails,
  };
  await writeFile(RESULTS, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`bench: ${rows.length} figures in ${out.seconds} s, written to bench/results.json\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
