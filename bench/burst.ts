import { rm } from 'node:fs/promises';
import { pino } from 'pino';
import { createApp, type App } from '../workers/app.js';
import { loadConfig } from '../workers/config.js';
import { ticketKey } from '../workers/keys.js';
import type { TicketUpdate } from '../integrations/ticketing/ticket-system.js';
import type { LocalPlatform } from '../integrations/twofa/local/adapter.js';
import { VirtualToken } from '../integrations/twofa/local/virtual-token.js';
import { writeGeneratedSeed, type GeneratedUser } from '../test/support/generated-seed.js';
import { percentile, round, sleep, uniquePrefix, usedMemory, waitFor, type Row } from './util.js';

interface Sim {
  user: GeneratedUser;
  token: VirtualToken;
  requesterId: string;
  createdAt: number;
  firstReplyAt?: number;
  resolvedAt?: number;
}

/**
 * The in-process end user: the bot's public reply is seen the moment the worker's ticket-system call returns
 * (the embedded desk saved it), and the user answers at once from what the workflow waits for, writing on the desk
 * directly (DeskStore.addComment: the same save and signed webhook as the desk's HTTP API, without a client poll).
 */
function installUsers(app: App, sims: Map<string, Sim>): void {
  const desk = app.desk;
  const ticketing = app.ticketing.get('local');
  if (!desk || !ticketing) throw new Error('the burst needs the embedded desk served in this process');
  const platform = app.platform as LocalPlatform;
  const original = ticketing.applyUpdate.bind(ticketing);
  const answer = async (ticketId: string, sim: Sim): Promise<void> => {
    const { state } = await app.store.getState(ticketKey('local', ticketId));
    if (state?.status === 'awaiting_codes') {
      const body = `code 1: ${sim.token.nextCode()}\ncode 2: ${sim.token.nextCode()}`;
      await desk.addComment(ticketId, { authorId: sim.requesterId, authorRole: 'requester', public: true, body });
    } else if (state?.status === 'awaiting_retest') {
      await platform.authenticate(sim.user.userName, sim.token.nextCode());
      await desk.addComment(ticketId, { authorId: sim.requesterId, authorRole: 'requester', public: true, body: 'Yes, works now - thank you!' });
    }
  };
  ticketing.applyUpdate = async (ticketId: string, update: TicketUpdate, key: string): Promise<void> => {
    await original(ticketId, update, key);
    const sim = sims.get(ticketId);
    if (!sim || !update.publicReply) return;
    sim.firstReplyAt ??= performance.now();
    void answer(ticketId, sim).catch(() => undefined);
  };
}

interface Phase {
  wallS: number;
  firstReplyMs: number[];
  resolved: number;
  peakRss: number;
  redisPeakPerTicket: number;
  redisAfterPerTicket: number;
}

async function runPhase(app: App, users: GeneratedUser[], sims: Map<string, Sim>, ratePerS: number | undefined, timeoutMs: number): Promise<Phase> {
  const desk = app.desk;
  if (!desk) throw new Error('no desk');
  const before = await usedMemory(app.redis);
  let peakRss = process.memoryUsage().rss;
  let peakRedis = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakRedis = Math.max(peakRedis, await usedMemory(app.redis));
      await sleep(200);
    }
  })();
  const mine = new Set<string>();
  const t0 = performance.now();
  const create = async (user: GeneratedUser) => {
    const createdAt = performance.now();
    const ticket = await desk.createTicket({ subject: '2FA code rejected', description: 'help', requester: { email: user.email, name: user.name }, tags: ['2fa_issue'] });
    sims.set(ticket.id, { user, token: new VirtualToken({ secret: user.secret, counter: user.deviceCounter, kind: 'mobilepass', digits: 6 }), requesterId: ticket.requester.id, createdAt });
    mine.add(ticket.id);
  };
  if (ratePerS === undefined) {
    // "at once": every creation in flight together, 500 at a time so the client side does not queue 10k sockets
    for (let i = 0; i < users.length; i += 500) await Promise.all(users.slice(i, i + 500).map(create));
  } else {
    const pending: Promise<void>[] = [];
    for (let i = 0; i < users.length; i++) {
      const due = t0 + (i * 1000) / ratePerS;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push(create(users[i] as GeneratedUser));
    }
    await Promise.all(pending);
  }
  const resolvedOf = () => [...mine].filter((id) => sims.get(id)?.resolvedAt !== undefined).length;
  await waitFor(() => resolvedOf() >= users.length, timeoutMs, 'all burst tickets resolved', 100).catch(() => undefined);
  const wallS = (performance.now() - t0) / 1000;
  sampling = false;
  await sampler;
  const after = await usedMemory(app.redis);
  const firstReplyMs = [...mine].flatMap((id) => {
    const s = sims.get(id);
    return s?.firstReplyAt !== undefined ? [s.firstReplyAt - s.createdAt] : [];
  });
  firstReplyMs.sort((a, b) => a - b);
  return { wallS, firstReplyMs, resolved: resolvedOf(), peakRss, redisPeakPerTicket: (peakRedis - before) / users.length, redisAfterPerTicket: (after - before) / users.length };
}

export async function benchBurst(url: string, opts: { tickets: number; paced: number; rate: number }): Promise<Row[]> {
  const seed = await writeGeneratedSeed(opts.tickets + opts.paced);
  const prefix = uniquePrefix('burst');
  const config = loadConfig({ REDIS_URL: url, REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', TWOFA_LOCAL_SEED: seed.path, LOG_LEVEL: 'silent', EFFECT_BACKOFF_MS: '200', POLL_INTERVAL_S: '600', SWEEP_INTERVAL_S: '30' });
  const sims = new Map<string, Sim>();
  const app = await createApp(config, {
    log: pino({ level: 'silent' }),
    onApplied: (tk, _e, before, after) => {
      if (after?.status === 'resolved' && before?.status !== 'resolved') {
        const sim = sims.get(tk.slice(tk.indexOf(':') + 1));
        if (sim) sim.resolvedAt = performance.now();
      }
    },
  });
  await app.start();
  installUsers(app, sims);
  const rssBefore = process.memoryUsage().rss;
  // default: 150 s, or 60 ms a ticket for a larger burst (10,000: 10 minutes), so a big run reports rather than hangs
  const timeoutMs = Number(process.env.BENCH_BURST_TIMEOUT_MS ?? Math.max(150_000, opts.tickets * 60));
  const burst = await runPhase(app, seed.users.slice(0, opts.tickets), sims, undefined, timeoutMs);
  // "RSS flat after done": what the process keeps once every ticket is resolved and the queues are idle
  await sleep(2000);
  (globalThis as { gc?: () => void }).gc?.();
  const rssAfter = process.memoryUsage().rss;
  const paced = opts.paced > 0 ? await runPhase(app, seed.users.slice(opts.tickets), sims, opts.rate, 60_000) : undefined;
  await app.stop();
  await rm(seed.path, { force: true });
  const rows: Row[] = [
    { bench: '2 burst', metric: `${opts.tickets} tickets at once: wall time to all resolved`, value: round(burst.wallS, 1), unit: 's', note: `${burst.resolved}/${opts.tickets} resolved; ${round(burst.resolved / burst.wallS, 1)} tickets/s` },
    { bench: '2 burst', metric: 'creation → first public reply p50', value: round(percentile(burst.firstReplyMs, 50), 0), unit: 'ms' },
    { bench: '2 burst', metric: 'creation → first public reply p99', value: round(percentile(burst.firstReplyMs, 99), 0), unit: 'ms' },
    { bench: '2 burst', metric: 'peak RSS (worker + intake + desk + simulated users, one process)', value: round(burst.peakRss / 2 ** 20, 0), unit: 'MiB', note: `RSS before the burst ${round(rssBefore / 2 ** 20, 0)} MiB, 2 s after all resolved ${round(rssAfter / 2 ** 20, 0)} MiB` },
    { bench: '2 burst', metric: 'Redis used_memory per open ticket (peak − before) / N', value: round(burst.redisPeakPerTicket / 1024, 2), unit: 'KiB', note: `kept after resolve: ${round(burst.redisAfterPerTicket / 1024, 2)} KiB/ticket (workflow state, desk ticket, dedupe keys)` },
  ];
  if (paced) {
    rows.push(
      { bench: '2 burst', metric: `${opts.paced} tickets offered at ${opts.rate}/s: first reply p99`, value: round(percentile(paced.firstReplyMs, 99), 0), unit: 'ms', note: `p50 ${round(percentile(paced.firstReplyMs, 50), 0)} ms; ${paced.resolved}/${opts.paced} resolved in ${round(paced.wallS, 1)} s` },
    );
  }
  return rows;
}
