import { runChaos } from './chaos-run.js';

/**
 * `npm run chaos`: CHAOS_TICKETS (default 1000) tickets under faults, kills and a Redis restart.
 * CHAOS_MODE=failover (`npm run chaos:failover`): a Sentinel group whose master is SIGKILLed mid-run instead.
 * CHAOS_LAG_MS: how long the replica lags before the kill (default 2500); CHAOS_LOG_FILE: where every log line goes.
 */
async function main(): Promise<number> {
  const tickets = Number(process.env.CHAOS_TICKETS ?? 1000);
  const mode = process.env.CHAOS_MODE ?? 'restart';
  if (mode !== 'restart' && mode !== 'failover') throw new Error(`CHAOS_MODE must be restart or failover, not ${mode}`);
  const summary = await runChaos({
    tickets,
    workers: 3,
    killEveryMs: Number(process.env.CHAOS_KILL_EVERY_MS ?? 4000),
    faultRate: 0.3,
    clientTimeoutMs: 1000,
    deadlineMs: Number(process.env.CHAOS_DEADLINE_S ?? 1200) * 1000,
    mode,
    ...(process.env.CHAOS_LAG_MS ? { lagMs: Number(process.env.CHAOS_LAG_MS) } : {}),
    ...(process.env.CHAOS_LOG_FILE ? { logFile: process.env.CHAOS_LOG_FILE } : {}),
    progress: (line) => process.stdout.write(`${line}\n`),
  });
  for (const p of summary.problems.slice(0, 50)) process.stdout.write(`  problem: ${p}\n`);
  if (summary.leaks.length > 0) process.stdout.write(`  LEAK: ${summary.leaks.length} codes found in logs, Redis or bot comments\n`);
  if (summary.failover) process.stdout.write(`${summary.failover.line}\n`);
  process.stdout.write(`${summary.line} (${summary.proxiedRequests} proxied requests, ${summary.seconds.toFixed(0)} s, secrets leaked ${summary.leaks.length})\n`);
  const disrupted = mode === 'failover' ? summary.failovers === 1 && summary.failover !== undefined : summary.redisRestarts === 1;
  const bad = summary.lost + summary.duplicateReplies + summary.doubleResyncs + summary.notVisible + summary.leaks.length + (disrupted ? 0 : 1);
  return bad === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
