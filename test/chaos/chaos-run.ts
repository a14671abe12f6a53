import { writeFile } from 'node:fs/promises';
import axios from 'axios';
import { ticketKey } from '../../workers/store/keys.js';
import { SimulatedUser, type DeskComment } from '../demo/simulated-user.js';
import type { Scenario } from '../demo/scenarios.js';
import type { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { writeGeneratedSeed, type GeneratedUser } from '../support/generated-seed.js';
import { capturedLogger } from '../support/log-capture.js';
import { dumpPrefix } from '../support/redis.js';
import { requesterView } from '../support/requester-view.js';
import { codesIn } from '../support/secret-scan.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { startBot } from './chaos-bot.js';
import type { FailoverReport } from './failover.js';
import { botUpdateOf, FaultProxy } from './fault-proxy.js';

export interface ChaosOptions {
  tickets: number;
  workers: number;
  killEveryMs: number;
  faultRate: number;
  clientTimeoutMs: number;
  deadlineMs: number;
  /**
   * 'restart' (default): one Redis, restarted cleanly once. 'failover': the bot's Redis is a Sentinel group whose
   * master is SIGKILLed mid-run after its replica lagged (see failover.ts), while the desk and the 2FA platform keep
   * their data on a Redis of their own; a burst of new tickets arrives while the replica lags.
   */
  mode?: 'restart' | 'failover';
  /** failover mode: how long the master takes writes its replica never gets (default 2500 ms) */
  lagMs?: number;
  /**
   * failover mode: a ticket with no end after no ticket ended for this long is given up and counted lost (default
   * 60 s), so that a workflow the failover lost and nobody rebuilt does not hold the run until its deadline
   */
  stallMs?: number;
  /** every log line of the intake and the workers goes to this file at the end (for a failure's story) */
  logFile?: string;
  progress?: (line: string) => void;
}

export interface ChaosSummary {
  tickets: number;
  lost: number;
  duplicateReplies: number;
  doubleResyncs: number;
  kills: number;
  redisRestarts: number;
  /** failovers of the bot's Redis (failover mode: 1) */
  failovers: number;
  /** what the failover lost, as measured on the master before the kill and on the promoted replica */
  failover: FailoverReport | undefined;
  /** tickets whose final state says it was rebuilt from the ticket (`rebuiltAt`) after the bot's Redis lost it */
  rebuilt: number;
  /** tickets given up because nothing moved any more (failover mode, see stallMs) */
  abandoned: number;
  /** tickets the desk shows finished whose workflow the failover lost after their end (nothing left to do) */
  recordsLost: number;
  injectedFaults: number;
  /** tickets whose last update the desk refused for good (422), those updates, and the requests it refused */
  refusedTickets: number;
  refusedUpdates: number;
  refusals: number;
  /** tickets whose end the desk does not show: status, tag and note of the outcome (or of the note that stands in for it) */
  notVisible: number;
  proxiedRequests: number;
  /** codes found where they must never be: log lines, our Redis keys, bot comments */
  leaks: string[];
  problems: string[];
  seconds: number;
  line: string;
}

interface Kind {
  name: string;
  script: Scenario['script'];
  final: WorkflowState['status'];
  publicReplies: number;
  resyncs: number;
  known: boolean;
}

/** The demo's scenarios, in proportion: mostly the happy path, then every way a person can get it wrong. */
const KINDS: Kind[] = [
  ...Array.from({ length: 12 }, (): Kind => ({ name: 'happy', script: { codes: () => 'right', retest: () => 'works' }, final: 'resolved', publicReplies: 3, resyncs: 1, known: true })),
  ...Array.from({ length: 3 }, (): Kind => ({ name: 'garbled-then-right', script: { codes: (n) => (n === 0 ? 'garbled' : 'right'), retest: () => 'works' }, final: 'resolved', publicReplies: 4, resyncs: 1, known: true })),
  ...Array.from({ length: 2 }, (): Kind => ({ name: 'wrong-codes', script: { codes: () => 'wrong' }, final: 'escalated', publicReplies: 4, resyncs: 0, known: true })),
  ...Array.from({ length: 2 }, (): Kind => ({ name: 'retest-fails', script: { codes: () => 'right', retest: () => 'fails' }, final: 'escalated', publicReplies: 3, resyncs: 1, known: true })),
  { name: 'unknown-requester', script: {}, final: 'escalated', publicReplies: 1, resyncs: 0, known: false },
];

/**
 * One ticket in five (by desk id, so the rule holds from the ticket's first request on) has a desk that refuses its
 * last update for good, as a ticket system does for a deleted escalation group or a rule that will not let a ticket
 * be solved: the bot's "solved" or "escalate" update gets a 422, however often it is sent.
 */
function refusesFinal(ticketId: string): boolean {
  return Number(ticketId) % 5 === 3;
}

interface DeskTicket {
  status: string;
  tags: string[];
  assigneeGroup?: string;
  comments: Array<DeskComment & { id: string }>;
}

/** A ticket's comments as a line for a problem report: the bot's first lines (no codes in them), the others' lengths. */
function storyOf(t: DeskTicket): string {
  return t.comments.map((c) => (c.authorRole === 'bot' ? `${c.public ? 'BOT' : 'note'}: ${c.body.split('\n')[0]?.slice(0, 200)}` : `${c.authorRole}: ${c.body.length} chars`)).join(' | ');
}

/** What the desk must show at the end of a ticket, for its final state: undefined when it does. */
function deskShortfall(final: WorkflowState['status'], t: DeskTicket): string | undefined {
  const notes = t.comments.filter((c) => c.authorRole === 'bot' && !c.public).map((c) => c.body);
  const noted = (start: string) => notes.some((n) => n.startsWith(start));
  const want = (ok: boolean, what: string) => (ok ? [] : [what]);
  const missing =
    final === 'resolved'
      ? [...want(t.status === 'solved', 'status solved'), ...want(t.tags.includes('2fa_bot_resolved'), 'tag 2fa_bot_resolved'), ...want(noted('[twofa-desk] Solved:'), 'the solved note')]
      : final === 'escalated'
        ? [...want(t.status === 'open', 'status open'), ...want(t.tags.includes('2fa_bot_escalated'), 'tag 2fa_bot_escalated'), ...want(t.assigneeGroup !== undefined, 'the escalation group'), ...want(noted('[twofa-desk] Escalated:'), 'the escalation note')]
        : final === 'update_failed'
          ? [...want(t.status === 'open', 'status open'), ...want(t.tags.includes('2fa_bot_escalated'), 'tag 2fa_bot_escalated'), ...want(t.assigneeGroup === undefined, 'no group'), ...want(noted('[twofa-desk] Not finished:'), 'the not-finished note')]
          : [`a final state the chaos run does not expect (${final})`];
  return missing.length > 0 ? `desk shows ${t.status} [${t.tags.join(' ')}] ${t.assigneeGroup ?? 'no group'}; missing ${missing.join(', ')}` : undefined;
}

/**
 * Runs tickets through three worker processes while a fault-injecting proxy sits between the workers and the
 * ticket system, a random worker is SIGKILLed every few seconds, and Redis is restarted once (or, in failover mode,
 * its Sentinel master SIGKILLed after its replica lagged); then checks every ticket on the ticket system's side.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosSummary> {
  const started = Date.now();
  const say = opts.progress ?? (() => undefined);
  const failoverMode = opts.mode === 'failover';
  const prefix = 'chaos';
  const seed = await writeGeneratedSeed(opts.tickets, 40);
  const { log, lines } = capturedLogger('debug');
  /** the idempotency keys of the updates refused: a key sent again (a retry after a worker died) is one update */
  const refusedUpdates = new Set<string>();
  const makeProxy = (target: string) =>
    new FaultProxy({
      target,
      rate: opts.faultRate,
      clientTimeoutMs: opts.clientTimeoutMs,
      refuse: (req) => {
        const bot = botUpdateOf(req);
        if (!bot || !refusesFinal(bot.ticketId)) return undefined;
        const why = bot.update.status === 'solved' ? 'a business rule refuses to solve this ticket' : bot.update.escalate === true ? 'the escalation group was deleted' : undefined;
        if (why) refusedUpdates.add(bot.idempotencyKey);
        return why;
      },
    });
  const bot = await startBot(opts, prefix, seed.path, log, makeProxy);
  const { app, proxy, proxyUrl } = bot;
  const desk = axios.create({ baseURL: bot.deskUrl, timeout: 30_000 });

  const env = {
    ...bot.redisEnv,
    REDIS_PREFIX: prefix,
    ROLES: 'workers',
    LOCAL_DESK_URL: `${proxyUrl}/desk`,
    LOCAL_DESK_TIMEOUT_MS: String(opts.clientTimeoutMs),
    TWOFA_LOCAL_SEED: seed.path,
    LOG_LEVEL: 'debug',
    POLL_INTERVAL_S: '2',
    SWEEP_INTERVAL_S: '1',
    EFFECT_ATTEMPTS: '25',
    EFFECT_BACKOFF_MS: '200',
    JOB_LOCK_MS: '2000',
  };
  const workers: WorkerProcess[] = [];
  const retired: WorkerProcess[] = [];
  for (let i = 0; i < opts.workers; i++) workers.push(startWorkerProcess(env));
  await Promise.all(workers.map((w) => w.ready));
  say(`chaos: ${opts.workers} workers ready, ${opts.tickets} tickets starting`);

  let kills = 0;
  const killer = setInterval(() => {
    const i = Math.floor(Math.random() * workers.length);
    const victim = workers[i];
    if (!victim) return;
    kills++;
    void victim.kill('SIGKILL');
    retired.push(victim);
    workers[i] = startWorkerProcess(env);
    workers[i]?.ready.catch(() => undefined);
  }, opts.killEveryMs);

  const platform = app.platform as LocalPlatform;
  const sent = new Set<string>();
  const deadline = Date.now() + opts.deadlineMs;
  let finished = 0;
  let redisRestarts = 0;
  let failovers = 0;
  let failover: FailoverReport | undefined;
  const failoverProblems: string[] = [];
  // Failover mode holds a quarter of the tickets back: they arrive as a burst while the replica lags, so that some
  // workflows exist on the master only when it dies.
  const burst = failoverMode ? Math.floor(opts.tickets / 4) : 0;
  const firstWave = opts.tickets - burst;
  let releaseBurst: () => void = () => undefined;
  const burstGate = new Promise<void>((resolve) => (releaseBurst = resolve));
  const restartAt = Math.max(1, Math.ceil(firstWave * 0.4));
  const pollMs = Math.max(250, opts.tickets);
  let lastEnd = Date.now();
  let abandoned = 0;
  const stallMs = opts.stallMs ?? 60_000;

  /** Lets the simulated user run, in slices, until its ticket ends, the deadline passes or (failover mode) nothing moves any more. */
  /** The desk shows the bot's end of the ticket (its end tag, its word last): what a requester sees as done. */
  const deskShowsEnd = async (ticketId: string): Promise<boolean> => {
    try {
      const { data } = await desk.get<DeskTicket>(`/api/tickets/${ticketId}`);
      return data.tags.some((t) => t === '2fa_bot_resolved' || t === '2fa_bot_escalated') && data.comments.at(-1)?.authorRole === 'bot';
    } catch {
      return false;
    }
  };
  const runUser = async (sim: SimulatedUser, ticketId: string, tk: string): Promise<{ state: WorkflowState | undefined; ended: boolean }> => {
    if (!failoverMode) return { state: await sim.run(deadline), ended: true };
    for (;;) {
      const slice = Math.min(deadline, Date.now() + 5_000);
      const state = await sim.run(slice);
      if (Date.now() <= slice) return { state, ended: true };
      // A ticket that ended within the failover's lost seconds: the bot kept no record, the desk shows the end.
      if (!(await bot.app.store.getState(tk)).state && (await deskShowsEnd(ticketId))) return { state: undefined, ended: true };
      if (Date.now() > deadline) return { state, ended: false };
      if (failovers > 0 && Date.now() - lastEnd > stallMs) return { state, ended: false };
    }
  };

  const disrupt = async () => {
    if (!failoverMode) {
      redisRestarts++;
      say(`chaos: restarting Redis (${finished} tickets done)`);
      await bot.redisServer!.restart('SIGTERM');
      return;
    }
    failovers++;
    try {
      failover = await bot.stage!.failOver({ prefix, lagMs: opts.lagMs ?? 2500, atFinished: finished, onLagStart: releaseBurst, say });
    } catch (err) {
      failoverProblems.push(`the failover failed: ${(err as Error).message}`);
      say(`chaos: the failover failed: ${(err as Error).message}`);
    } finally {
      releaseBurst();
    }
  };

  const play = async (user: GeneratedUser, i: number) => {
    if (i >= firstWave) await burstGate;
    const kind = KINDS[i % KINDS.length] as Kind;
    const requester = kind.known ? { email: user.email, name: user.name } : { email: `nobody${i}@nowhere.example`, name: `Nobody Stranger${i}` };
    const scenario: Scenario = { key: kind.name, title: kind.name, requester, userName: user.userName, script: kind.script, expect: { final: kind.final, publicReplies: kind.publicReplies } };
    let ticketId: string | undefined;
    while (!ticketId) {
      try {
        ticketId = String((await desk.post<{ id: string }>('/api/tickets', { subject: '2FA code rejected', description: 'cannot log in', requester, tags: ['2fa_issue'] })).data.id);
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const tk = ticketKey('local', ticketId);
    const sim = new SimulatedUser({
      desk,
      ticketId,
      scenario,
      token: new VirtualToken({ secret: user.secret, counter: user.deviceCounter, kind: 'mobilepass', digits: 6 }),
      sent,
      pollMs,
      app: requesterView(app),
    });
    const { state, ended } = await runUser(sim, ticketId, tk);
    if (ended) lastEnd = Date.now();
    else abandoned++;
    finished++;
    if (finished === restartAt && redisRestarts + failovers === 0) await disrupt();
    if (finished % Math.max(1, Math.floor(opts.tickets / 10)) === 0) say(`chaos: ${finished}/${opts.tickets} tickets done, ${kills} kills, ${proxy.faults} faults`);
    return { user, kind, ticketId, tk, state };
  };

  const outcomes = await Promise.all(seed.users.map((u, i) => play(u, i)));
  clearInterval(killer);
  // Let the workers finish what is in flight (a late duplicate of a user's comment, the last notes) before judging.
  // A comment whose webhook was lost waits for the poller (every 2 s), and a workflow that went back in a failover
  // catches up only once the poller brings the reply it lost: judge only after a poller round in which no ticket's
  // workflow changed (a drain that had just taken its ticket off the dirty set passes for quiet on its own).
  const quietBy = Date.now() + 60_000;
  const fingerprint = async () => (await Promise.all(outcomes.map(async (o) => (await app.store.getState(o.tk)).state?.updatedAt ?? 0))).join(',');
  let before = await fingerprint();
  while (Date.now() < quietBy) {
    await new Promise((r) => setTimeout(r, 3_000));
    for (;;) {
      const [dirty, outbox] = await Promise.all([app.redis.scard(app.store.keys.dirty), app.redis.zcard(app.store.keys.outbox)]);
      if ((dirty === 0 && outbox === 0) || Date.now() >= quietBy) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const now = await fingerprint();
    if (now === before) break;
    before = now;
  }

  const problems: string[] = [...failoverProblems];
  let rebuilt = 0;
  let lost = 0;
  let duplicateReplies = 0;
  let doubleResyncs = 0;
  let recordsLost = 0;
  let notVisible = 0;
  let refusedTickets = 0;
  const botText: string[] = [];
  for (const o of outcomes) {
    const { data } = await desk.get<DeskTicket>(`/api/tickets/${o.ticketId}`);
    const botPublic = data.comments.filter((c) => c.authorRole === 'bot' && c.public).length;
    botText.push(...data.comments.filter((c) => c.authorRole === 'bot').map((c) => c.body));
    const state = (await app.store.getState(o.tk)).state;
    // `rebuiltAt`: the workflow was rebuilt from the ticket after the bot's Redis lost it
    if ((state as { rebuiltAt?: number } | undefined)?.rebuiltAt !== undefined) rebuilt++;
    // A refused last update leaves the round to an agent: its public word never went out.
    const refused = refusesFinal(o.ticketId);
    if (refused) refusedTickets++;
    const final = refused ? 'update_failed' : o.kind.final;
    const publicReplies = refused ? o.kind.publicReplies - 1 : o.kind.publicReplies;
    const applied = new Set(state?.appliedEventIds ?? []);
    const unheard = data.comments.filter((c) => c.authorRole === 'requester' && !applied.has(`local:${o.ticketId}:comment:${c.id}`));
    // A ticket that ended within the failover's lost seconds is finished on the desk (its end, its replies, nothing
    // the requester wrote after the bot's last word) while the bot's record of it is gone: the ticket system, the source
    // of truth, shows it done, and the bot leaves a finished ticket alone. Counted apart, not lost.
    const lastWord = data.comments.at(-1)?.authorRole;
    const endedOnDesk = !state && deskShortfall(final, data) === undefined && botPublic === publicReplies && lastWord === 'bot';
    if (endedOnDesk) recordsLost++;
    else if (state?.status !== final || unheard.length > 0) {
      lost++;
      problems.push(`ticket ${o.ticketId} (${o.kind.name}): ${state?.status ?? 'no state'}, expected ${final}; ${unheard.length} replies not acted on`);
    }
    if (botPublic > publicReplies) {
      duplicateReplies += botPublic - publicReplies;
      const story = storyOf(data);
      problems.push(`ticket ${o.ticketId} (${o.kind.name}): ${botPublic} public replies, expected ${publicReplies}; history ${JSON.stringify(state?.history.map((h) => `${h.event}>${h.to}`))}; comments ${story}`);
    } else if (botPublic < publicReplies && state?.status === final) {
      problems.push(`ticket ${o.ticketId} (${o.kind.name}): only ${botPublic} public replies, expected ${publicReplies}`);
      lost++;
    }
    const shortfall = deskShortfall(final, data);
    if (shortfall) {
      notVisible++;
      // the story, so a failure in CI says what happened (the bot's history, the desk's comments, its status and tags)
      const story = storyOf(data);
      problems.push(
        `ticket ${o.ticketId} (${o.kind.name}, ${state?.status ?? 'no state'}): ${shortfall}; desk status ${data.status}, tags ${data.tags.join(',')}, group ${data.assigneeGroup ?? 'none'}; ` +
          `history ${JSON.stringify(state?.history.map((h) => `${h.event}>${h.to}`))}; rebuilt ${(state as { rebuiltAt?: number } | undefined)?.rebuiltAt !== undefined}; comments ${story}`,
      );
    }
    const resyncs = (await platform.changeLog(o.user.serial)).length;
    if (resyncs > o.kind.resyncs) {
      doubleResyncs += resyncs - o.kind.resyncs;
      const story = storyOf(data);
      problems.push(`ticket ${o.ticketId} (${o.kind.name}): ${resyncs} successful resyncs, expected ${o.kind.resyncs}; history ${JSON.stringify(state?.history.map((h) => `${h.event}>${h.to}`))}; comments ${story}`);
    }
  }

  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await Promise.all(retired.map((w) => w.kill('SIGKILL')));
  const logs = [...lines, ...workers.flatMap((w) => w.output), ...retired.flatMap((w) => w.output)].join('\n');
  if (opts.logFile) await writeFile(opts.logFile, logs);
  // the bot's keys, and the platform's where it has a Redis of its own (the desk's hold the requesters' codes by design)
  const dumped = [...(await dumpPrefix(app.redis, prefix)), ...(bot.systemsRedis ? await dumpPrefix(bot.systemsRedis, prefix) : [])];
  const ours = dumped.filter((e) => !e.key.startsWith(`${prefix}:desk:`));
  const stored = ours.map((e) => `${e.key}\n${e.values.join('\n')}`).join('\n');
  const botComments = botText.join('\n');
  const leaks = (['a log line', logs, 'Redis', stored, 'a bot comment', botComments] as const).flatMap((_, i, all) =>
    i % 2 === 0 ? codesIn(all[i + 1] as string, sent).map((f) => `${all[i] as string}: ${f.context}`) : [],
  );
  for (const leak of leaks.slice(0, 5)) problems.push(`secret leaked to ${leak}`);
  if (logs.split('\n').length < 100) problems.push('the logs are suspiciously short: the secret scan proves nothing');

  await bot.stop();

  const summary = {
    tickets: opts.tickets,
    lost,
    duplicateReplies,
    doubleResyncs,
    kills,
    redisRestarts,
    failovers,
    failover,
    rebuilt,
    abandoned,
    recordsLost,
    injectedFaults: proxy.faults,
    refusedTickets,
    refusedUpdates: refusedUpdates.size,
    refusals: proxy.refused,
    notVisible,
    proxiedRequests: proxy.requests,
    leaks,
    problems,
    seconds: (Date.now() - started) / 1000,
    line: '',
  };
  summary.line =
    `chaos: ${summary.tickets} tickets, lost ${lost}, duplicate replies ${duplicateReplies}, double resyncs ${doubleResyncs}, not visibly handled on the desk ${notVisible}, ` +
    `kills ${kills}, redis restarts ${redisRestarts}, injected faults ${summary.injectedFaults}, refused final updates ${refusedTickets} tickets (${summary.refusedUpdates} updates, ${summary.refusals} requests), ` +
    `failovers ${failovers}, rebuilt ${rebuilt}` +
    (failover ? `; the failover lost ${failover.statesLost} states, rewound ${failover.statesRewound} (of ${failover.statesBefore}), ${failover.bytesNotReceived} replication bytes; ${recordsLost} finished tickets kept no record` : '') +
    (abandoned > 0 ? `; ${abandoned} tickets given up (nothing moved for ${stallMs / 1000} s)` : '');
  return summary;
}
