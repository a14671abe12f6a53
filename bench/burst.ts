import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp, type App } from '../workers/app.js';
import { loadConfig } from '../workers/config.js';
import { ticketKey } from '../workers/store/keys.js';
import type { TicketUpdate } from '../integrations/ticketing/ticket-system.js';
import type { DeskStore } from '../integrations/ticketing/local/desk-store.js';
import type { LocalPlatform } from '../integrations/twofa/local/adapter.js';
import { VirtualToken } from '../integrations/twofa/local/virtual-token.js';
import { writeGeneratedSeed, type GeneratedUser } from '../test/support/generated-seed.js';
import { startWorkerProcess, type WorkerProcess } from '../test/support/worker-process.js';
import { percentile, round, sleep, uniquePrefix, usedMemory, waitFor, type Row } from './util.js';

interface Sim {
  user: GeneratedUser;
  /** the platform the user logs in on: their tenant's (TENANTS_FILE), or the one platform */
  platform: LocalPlatform;
  token: VirtualToken;
  requesterId: string;
  createdAt: number;
  firstReplyAt?: number;
  resolvedAt?: number;
}

/** Wall-clock milliseconds with sub-ms resolution, comparable between processes. */
const clock = () => performance.timeOrigin + performance.now();

/**
 * The in-process end user, on the desk's side (the desk is served by this process in both layouts): the bot's
 * public reply is seen the moment the desk saves it, and the user answers at once from what the workflow waits for,
 * writing on the desk directly (DeskStore.addComment: the same save and signed webhook as the desk's HTTP API,
 * without a client poll). The bot's update that adds the resolved tag marks the ticket resolved.
 */
function installUsers(app: App, sims: Map<string, Sim>): void {
  const desk: DeskStore | undefined = app.desk;
  if (!desk) throw new Error('the burst needs the embedded desk served in this process');
  const resolvedTag = app.config.policy.resolvedTag;
  const original = desk.applyBotUpdate.bind(desk);
  const answer = async (ticketId: string, sim: Sim): Promise<void> => {
    const { state } = await app.store.getState(ticketKey('local', ticketId));
    if (state?.status === 'awaiting_codes') {
      const body = `code 1: ${sim.token.nextCode()}\ncode 2: ${sim.token.nextCode()}`;
      await desk.addComment(ticketId, { authorId: sim.requesterId, authorRole: 'requester', public: true, body });
    } else if (state?.status === 'awaiting_retest') {
      await sim.platform.authenticate(sim.user.userName, sim.token.nextCode());
      await desk.addComment(ticketId, { authorId: sim.requesterId, authorRole: 'requester', public: true, body: 'Yes, works now - thank you!' });
    }
  };
  desk.applyBotUpdate = async (ticketId: string, update: TicketUpdate, key: string) => {
    const result = await original(ticketId, update, key);
    const sim = sims.get(ticketId);
    if (!sim) return result;
    if (update.addTags.includes(resolvedTag)) sim.resolvedAt ??= clock();
    if (update.publicReply) {
      sim.firstReplyAt ??= clock();
      if (sim.resolvedAt === undefined) void answer(ticketId, sim).catch(() => undefined);
    }
    return result;
  };
}

interface Phase {
  wallS: number;
  firstReplyMs: number[];
  resolved: number;
  /** peak RSS of the process running the workers */
  peakRss: number;
  redisPeakPerTicket: number;
  redisAfterPerTicket: number;
}

async function runPhase(app: App, users: GeneratedUser[], sims: Map<string, Sim>, ratePerS: number | undefined, timeoutMs: number, rss: () => number, platformOf: (u: GeneratedUser) => LocalPlatform): Promise<Phase> {
  const desk = app.desk;
  if (!desk) throw new Error('no desk');
  const before = await usedMemory(app.redis);
  let peakRss = rss();
  let peakRedis = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, rss());
      peakRedis = Math.max(peakRedis, await usedMemory(app.redis));
      await sleep(200);
    }
  })();
  const mine = new Set<string>();
  const t0 = performance.now();
  const create = async (user: GeneratedUser) => {
    const createdAt = clock();
    const ticket = await desk.createTicket({ subject: '2FA code rejected', description: 'help', requester: { email: user.email, name: user.name }, tags: ['2fa_issue'] });
    sims.set(ticket.id, { user, platform: platformOf(user), token: new VirtualToken({ secret: user.secret, counter: user.deviceCounter, kind: 'mobilepass', digits: 6 }), requesterId: ticket.requester.id, createdAt });
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

/** Resident and peak resident memory of a process (Linux /proc), bytes. */
/** CPU seconds Redis has used so far (INFO cpu, main thread and I/O threads). */
async function redisCpu(app: App): Promise<number> {
  const info = await app.redis.info('cpu');
  const num = (f: string) => Number(new RegExp(`^${f}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return num('used_cpu_user') + num('used_cpu_sys');
}

/** CPU seconds (user + system) a process has used so far (Linux /proc, clock ticks of 1/100 s). */
async function procCpuS(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

async function procMemory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/**
 * `one`: intake, desk, workers and simulated users in this process (what `npm run demo` and a single `npm start`
 * run). `split`: this process serves the intake, the desk and the users (`ROLES=intake`), one child process
 * (workers/main.ts, `ROLES=workers`, log level info as in production) does all the queue work: the ticket system is
 * not on the worker's CPU, as a hosted one is not, and the two processes share the 2 cores. `before`: one process
 * with every effect and every drain a BullMQ job (EFFECTS_INLINE=false, LOCAL_DRAIN_BACKLOG=0), as before they
 * ran in the drain and in the process; the before figure of the same run.
 */
export type BurstLayout = 'one' | 'split' | 'before';

/**
 * `tenants` > 0: the users split over that many customers (TENANTS_FILE), each with an embedded platform and a seed of
 * its own, routed by the email domain `tenant<k>.example`: the per-tenant routing, policies and platforms at work.
 */
async function tenantsFile(seedPath: string, users: GeneratedUser[], tenants: number): Promise<{ path: string; files: string[]; tenantOf: Map<string, string> }> {
  const seed = JSON.parse(await readFile(seedPath, 'utf8')) as { users: Array<{ id: string; email: string }>; memberships: Array<{ userId: string }>; tokens: Array<{ userId: string }>; groups: string[] };
  const files: string[] = [];
  const tenantOf = new Map<string, string>();
  const entries: object[] = [];
  for (let k = 0; k < tenants; k++) {
    const id = `tenant${k}`;
    const mine = new Set(seed.users.filter((_, i) => i % tenants === k).map((u) => u.id));
    users.forEach((u, i) => {
      if (i % tenants !== k) return;
      u.email = u.email.replace(/@.*/, `@${id}.example`);
      tenantOf.set(u.userName, id);
    });
    const part = {
      users: seed.users.filter((u) => mine.has(u.id)).map((u) => ({ ...u, email: u.email.replace(/@.*/, `@${id}.example`) })),
      groups: seed.groups,
      memberships: seed.memberships.filter((m) => mine.has(m.userId)),
      tokens: seed.tokens.filter((t) => mine.has(t.userId)),
    };
    const file = `${seedPath}.${id}.json`;
    await writeFile(file, JSON.stringify(part));
    files.push(file);
    entries.push({ id, match: { emailDomains: [`${id}.example`] }, platform: { kind: 'local', settings: { TWOFA_LOCAL_SEED: file } }, ...(process.env.BENCH_TENANT_CONCURRENCY ? { concurrency: Number(process.env.BENCH_TENANT_CONCURRENCY) } : {}) });
  }
  const path = `${seedPath}.tenants.json`;
  await writeFile(path, JSON.stringify({ tenants: entries }));
  return { path, files, tenantOf };
}

export async function benchBurst(url: string, opts: { tickets: number; paced: number; rate: number; layout?: BurstLayout; tenants?: number }): Promise<Row[]> {
  const layout = opts.layout ?? 'one';
  const seed = await writeGeneratedSeed(opts.tickets + opts.paced);
  const tenancy = opts.tenants ? await tenantsFile(seed.path, seed.users, opts.tenants) : undefined;
  const prefix = uniquePrefix(`burst${layout}`);
  const shared = { REDIS_URL: url, REDIS_PREFIX: prefix, TWOFA_LOCAL_SEED: seed.path, EFFECT_BACKOFF_MS: '200', POLL_INTERVAL_S: '600', SWEEP_INTERVAL_S: '30', ...(tenancy ? { TENANTS_FILE: tenancy.path } : {}) };
  const config = loadConfig({
    ...shared,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...(layout === 'split' ? { ROLES: 'intake' } : {}),
    ...(layout === 'before' ? { EFFECTS_INLINE: 'false', LOCAL_DRAIN_BACKLOG: '0' } : {}),
  });
  const sims = new Map<string, Sim>();
  const app = await createApp(config, { log: pino({ level: 'silent' }) });
  await app.start();
  let worker: WorkerProcess | undefined;
  let workerLog: string | undefined;
  if (layout === 'split') {
    // its log lines go to a file, as a production worker's go to its log collector, not through this process
    workerLog = join(tmpdir(), `twofa-desk-bench-worker-${process.pid}.log`);
    worker = startWorkerProcess(
      { ...shared, ROLES: 'workers', LOCAL_DESK_URL: `${app.url}/desk`, LOG_LEVEL: 'info', ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}), ...(JSON.parse(process.env.BENCH_WORKER_ENV ?? '{}') as Record<string, string>) },
      { logFile: workerLog },
    );
    await worker.ready;
  }
  const child = worker;
  // the worker's resident memory: this process, or the child
  let workerRss = () => process.memoryUsage().rss;
  if (child?.child.pid !== undefined) {
    const pid = child.child.pid;
    let last = 0;
    const poll = setInterval(() => {
      procMemory(pid).then((m) => void (last = m.rss), () => undefined);
    }, 100);
    poll.unref();
    last = (await procMemory(pid)).rss;
    workerRss = () => last;
  }
  installUsers(app, sims);
  const platformOf = (u: GeneratedUser): LocalPlatform => {
    const tenant = tenancy?.tenantOf.get(u.userName);
    const platform = tenant !== undefined ? app.tenants?.platforms.platformOf(tenant) : app.platform;
    if (!platform) throw new Error(`no platform for ${u.userName}`);
    return platform as LocalPlatform;
  };
  const rssBefore = workerRss();
  // the heap after a GC, in the one-process layouts: RSS keeps the allocator's high-water mark, the heap shows a leak
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu0Redis = await redisCpu(app);
  const cpu0 = { self: process.cpuUsage(), child: child?.child.pid !== undefined ? await procCpuS(child.child.pid) : 0 };
  // default: 150 s, or 60 ms a ticket for a larger burst (10,000: 10 minutes), so a big run reports rather than hangs
  const timeoutMs = Number(process.env.BENCH_BURST_TIMEOUT_MS ?? Math.max(150_000, opts.tickets * 60));
  const burst = await runPhase(app, seed.users.slice(0, opts.tickets), sims, undefined, timeoutMs, workerRss, platformOf);
  const selfCpu = process.cpuUsage(cpu0.self);
  const cpu = { self: (selfCpu.user + selfCpu.system) / 1e6, child: child?.child.pid !== undefined ? (await procCpuS(child.child.pid)) - cpu0.child : 0 };
  const redisCpuS = await redisCpu(app);
  // "RSS flat after done": what the worker keeps once every ticket is resolved and the queues are idle
  await sleep(2000);
  (globalThis as { gc?: () => void }).gc?.();
  const rssAfter = child?.child.pid !== undefined ? (await procMemory(child.child.pid)).rss : process.memoryUsage().rss;
  const heapAfter = process.memoryUsage().heapUsed;
  const paced = opts.paced > 0 ? await runPhase(app, seed.users.slice(opts.tickets), sims, opts.rate, 60_000, workerRss, platformOf) : undefined;
  await child?.kill('SIGTERM');
  await app.stop();
  await rm(seed.path, { force: true });
  for (const f of [...(tenancy?.files ?? []), ...(tenancy ? [tenancy.path] : [])]) await rm(f, { force: true });
  if (workerLog !== undefined) await rm(workerLog, { force: true });
  const where = {
    one: 'one process (intake + desk + workers + users)',
    split: 'intake + desk + users / workers (2 processes)',
    before: 'one process, every drain and effect a job (before)',
  }[layout];
  const perTicket = (s: number) => `${round((s * 1000) / Math.max(1, burst.resolved), 1)} ms/ticket`;
  const cpuNote =
    layout !== 'split'
      ? `CPU: the process ${perTicket(cpu.self)}, Redis ${perTicket(redisCpuS - cpu0Redis)}`
      : `CPU: workers ${perTicket(cpu.child)}, intake + desk + users ${perTicket(cpu.self)}, Redis ${perTicket(redisCpuS - cpu0Redis)}`;
  const bench = `2 burst, ${{ one: 'one process', split: 'split', before: 'before' }[layout]}`;
  const rows: Row[] = [
    { bench, metric: `${opts.tickets} tickets at once: wall time to all resolved, ${where}`, value: round(burst.wallS, 1), unit: 's', goal: '< 60 s (10,000)', note: `${burst.resolved}/${opts.tickets} resolved; ${round(burst.resolved / burst.wallS, 1)} tickets/s; ${cpuNote}` },
    { bench, metric: 'creation → first public reply p50', value: round(percentile(burst.firstReplyMs, 50), 0), unit: 'ms' },
    { bench, metric: 'creation → first public reply p99', value: round(percentile(burst.firstReplyMs, 99), 0), unit: 'ms' },
    { bench, metric: `peak RSS of the ${layout === 'split' ? 'worker process' : 'process'}`, value: round(burst.peakRss / 2 ** 20, 0), unit: 'MiB', note: `RSS before the burst ${round(rssBefore / 2 ** 20, 0)} MiB, 2 s after all resolved ${round(rssAfter / 2 ** 20, 0)} MiB${layout === 'split' ? '' : `; heap after GC ${round(heapBefore / 2 ** 20, 0)} → ${round(heapAfter / 2 ** 20, 0)} MiB (the simulated users' ${opts.tickets} tickets included)`}` },
    { bench, metric: 'Redis used_memory per open ticket (peak − before) / N', value: round(burst.redisPeakPerTicket / 1024, 2), unit: 'KiB', note: `kept after resolve: ${round(burst.redisAfterPerTicket / 1024, 2)} KiB/ticket (workflow state, desk ticket, dedupe keys, timers)` },
  ];
  if (paced) {
    const p99 = percentile(paced.firstReplyMs, 99);
    rows.push({
      bench,
      metric: `${opts.paced} tickets offered at ${opts.rate}/s: first reply p99`,
      value: round(p99, 0),
      unit: 'ms',
      goal: '< 100 ms',
      met: p99 < 100,
      note: `p50 ${round(percentile(paced.firstReplyMs, 50), 0)} ms; ${paced.resolved}/${opts.paced} resolved in ${round(paced.wallS, 1)} s`,
    });
  }
  if (opts.tickets >= 10_000) {
    const first = rows[0];
    if (first) first.met = burst.resolved === opts.tickets && burst.wallS < 60;
  }
  return rows;
}
