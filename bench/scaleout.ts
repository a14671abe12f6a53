import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp, type App } from '../workers/app.js';
import { loadConfig } from '../workers/config.js';
import { ticketKey } from '../workers/store/keys.js';
import type { LocalPlatform } from '../integrations/twofa/local/adapter.js';
import { VirtualToken } from '../integrations/twofa/local/virtual-token.js';
import { writeGeneratedSeed, type GeneratedUser } from '../test/support/generated-seed.js';
import { startWorkerProcess, type WorkerProcess } from '../test/support/worker-process.js';
import { deleteByPrefix } from './throughput.js';
import { round, sleep, uniquePrefix, type Row } from './util.js';

interface Open {
  user: GeneratedUser;
  token: VirtualToken;
  requesterId: string;
  answered: Set<string>;
  done: boolean;
}

/**
 * Events applied to the tickets' workflows: the ids each workflow state keeps of what it applied (effect results
 * folded into a commit never pass through an inbox, so inbox dedupe keys would undercount them).
 */
async function countEvents(app: App, ticketIds: Iterable<string>): Promise<number> {
  let n = 0;
  for (const id of ticketIds) n += (await app.store.getState(ticketKey('local', id))).state?.appliedEventIds.length ?? 0;
  return n;
}

/**
 * One run: this process serves the intake and the embedded desk (ROLES=intake) and plays the end users by reading
 * the workflow state every 50 ms; `processes` copies of workers/main.ts (ROLES=workers) do all the queue work.
 */
async function run(url: string, seed: { path: string; users: GeneratedUser[] }, processes: number, timeoutMs: number): Promise<{ eventsPerS: number; events: number; resolved: number; wallS: number }> {
  const prefix = uniquePrefix(`scale${processes}`);
  const config = loadConfig({ REDIS_URL: url, REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ROLES: 'intake', TWOFA_LOCAL_SEED: seed.path, LOG_LEVEL: 'silent' });
  const app = await createApp(config, { log: pino({ level: 'silent' }) });
  await app.start();
  const workers: WorkerProcess[] = [];
  // each worker's log lines go to a file, as they would to a log collector: piped into this process, four workers'
  // lines cost this process (the intake and the desk) CPU that no production intake pays
  const logs = Array.from({ length: processes }, (_, i) => join(tmpdir(), `twofa-desk-bench-${prefix}-${i}.log`));
  try {
    for (let i = 0; i < processes; i++) {
      workers.push(
        startWorkerProcess(
          {
          REDIS_URL: url,
          REDIS_PREFIX: prefix,
          ROLES: 'workers',
          LOCAL_DESK_URL: `${app.url}/desk`,
          TWOFA_LOCAL_SEED: seed.path,
          // info is the production default and the level at which "workers running" is printed
          LOG_LEVEL: 'info',
          EFFECT_BACKOFF_MS: '200',
          POLL_INTERVAL_S: '600',
          SWEEP_INTERVAL_S: '30',
          },
          { logFile: logs[i] as string },
        ),
      );
    }
    await Promise.all(workers.map((w) => w.ready));
    const desk = app.desk;
    if (!desk) throw new Error('no desk');
    const platform = app.platform as LocalPlatform;
    const open = new Map<string, Open>();
    const t0 = performance.now();
    for (let i = 0; i < seed.users.length; i += 500) {
      await Promise.all(
        seed.users.slice(i, i + 500).map(async (user) => {
          const t = await desk.createTicket({ subject: '2FA code rejected', description: 'help', requester: { email: user.email, name: user.name }, tags: ['2fa_issue'] });
          open.set(t.id, { user, token: new VirtualToken({ secret: user.secret, counter: user.deviceCounter, kind: 'mobilepass', digits: 6 }), requesterId: t.requester.id, answered: new Set(), done: false });
        }),
      );
    }
    const until = Date.now() + timeoutMs;
    let resolved = 0;
    while (resolved < seed.users.length && Date.now() < until) {
      await Promise.all(
        [...open].filter(([, o]) => !o.done).map(async ([id, o]) => {
          const { state } = await app.store.getState(ticketKey('local', id));
          const status = state?.status;
          if (!status || o.answered.has(status)) return;
          if (status === 'resolved') {
            o.done = true;
            resolved++;
          } else if (status === 'awaiting_codes') {
            o.answered.add(status);
            await desk.addComment(id, { authorId: o.requesterId, authorRole: 'requester', public: true, body: `code 1: ${o.token.nextCode()}\ncode 2: ${o.token.nextCode()}` });
          } else if (status === 'awaiting_retest') {
            o.answered.add(status);
            await platform.authenticate(o.user.userName, o.token.nextCode());
            await desk.addComment(id, { authorId: o.requesterId, authorRole: 'requester', public: true, body: 'Yes, works now - thank you!' });
          }
        }),
      );
      await sleep(50);
    }
    const wallS = (performance.now() - t0) / 1000;
    await sleep(300);
    const events = await countEvents(app, open.keys());
    return { eventsPerS: events / wallS, events, resolved, wallS };
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await Promise.all(logs.map((l) => rm(l, { force: true })));
    await deleteByPrefix(app.redis, prefix);
    await app.stop();
  }
}

export async function benchScaleOut(url: string, tickets: number, counts: number[]): Promise<Row[]> {
  const rows: Row[] = [];
  let base: number | undefined;
  for (const p of counts) {
    const seed = await writeGeneratedSeed(tickets);
    try {
      const r = await run(url, seed, p, Number(process.env.BENCH_SCALE_TIMEOUT_MS ?? 90_000));
      base ??= r.eventsPerS;
      rows.push({
        bench: '5 scale-out',
        metric: `${p} worker process${p > 1 ? 'es' : ''}, ${tickets} tickets full flow`,
        value: round(r.eventsPerS, 0),
        unit: 'events/s',
        baseline: round(base, 0),
        ratio: round(r.eventsPerS / base, 2),
        note: `${r.events} events, ${r.resolved}/${tickets} resolved in ${round(r.wallS, 1)} s (${round(r.resolved / r.wallS, 1)} tickets/s)`,
      });
    } finally {
      await rm(seed.path, { force: true });
    }
  }
  return rows;
}
