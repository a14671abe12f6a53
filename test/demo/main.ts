import { maskDigits } from '../../workflows/resync/reply-parser.js';
import { startPrivateRedis, type PrivateRedis } from '../../workers/redis/private-redis.js';
import { runDemo } from './run-demo.js';

/** `npm run demo`: every scenario end to end on the embedded defaults, then a table and one transcript. */
async function main(): Promise<number> {
  const started = Date.now();
  let redis: PrivateRedis | undefined;
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    redis = await startPrivateRedis();
    redisUrl = redis.url;
    process.stdout.write(`Started a private redis-server at ${redisUrl} (append-only, noeviction)\n`);
  }
  try {
    const { results } = await runDemo({ redisUrl });
    const rows = results.map((r) => ({
      ticket: `#${r.ticketId}`,
      scenario: r.scenario.title,
      'final state': r.state?.status ?? '(none)',
      expected: r.scenario.expect.final,
      'public replies': r.publicReplies,
      'internal notes': r.internalNotes,
      seconds: r.seconds.toFixed(1),
    }));
    printTable(rows);
    const shown = results[0];
    if (shown) {
      process.stdout.write(`\nTranscript of ticket #${shown.ticketId} (${shown.scenario.title}); the end user's codes masked:\n`);
      for (const c of shown.comments) {
        const bot = c.authorRole === 'bot';
        const who = bot ? (c.public ? 'bot (public)' : 'bot (internal note)') : c.authorRole;
        process.stdout.write(`\n--- ${who}\n${bot ? c.body : maskDigits(c.body)}\n`);
      }
    }
    const wrong = results.filter((r) => r.state?.status !== r.scenario.expect.final || r.publicReplies !== r.scenario.expect.publicReplies);
    process.stdout.write(`\n${results.length - wrong.length}/${results.length} scenarios ended as expected in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return wrong.length === 0 ? 0 : 1;
  } finally {
    await redis?.stop();
  }
}

function printTable(rows: Record<string, string | number>[]): void {
  const first = rows[0];
  if (!first) return;
  const cols = Object.keys(first);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i] ?? 0)).join('  ');
  process.stdout.write(`${line(cols)}\n${line(width.map((w) => '-'.repeat(w)))}\n`);
  for (const r of rows) process.stdout.write(`${line(cols.map((c) => String(r[c])))}\n`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
