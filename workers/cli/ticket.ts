import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TERMINAL_STATES, type WorkflowState } from '../../workflows/resync/index.js';
import { jobId, ticketKey } from '../store/keys.js';
import { effectJobId } from '../store/queues.js';
import type { ActivityEntry } from '../observe/ticket-activity.js';
import { parseCliArgs } from './args.js';
import type { CliContext } from './command.js';
import { connect, type CliConnection } from './connect.js';
import { isoTime, table } from './table.js';

const ArgsSchema = z
  .object({
    positionals: z.tuple(
      [
        z.enum(['show', 'retry', 'escalate', 'handoff']),
        z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a ticket system name such as local or zendesk'),
        z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'a ticket id (letters, digits, . _ -)'),
      ],
      { error: 'expected <show|retry|escalate|handoff> <system> <id>' },
    ),
    reason: z.string().trim().min(1).max(500).optional(),
    json: z.boolean().default(false),
  })
  .refine((a) => a.positionals[0] !== 'escalate' || a.reason !== undefined, { message: 'escalate needs --reason "why"', path: ['reason'] });
type Args = z.infer<typeof ArgsSchema>;

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATES);

/** `twofa-desk ticket show|retry|escalate|handoff <system> <id>`: one ticket, read or acted on through its workflow. */
export async function run(ctx: CliContext): Promise<number> {
  const args = parseCliArgs(ctx.args, { reason: { type: 'string' }, json: { type: 'boolean' } }, ArgsSchema);
  const conn = await connect(ctx.env);
  try {
    const [action, system, id] = args.positionals;
    const tk = ticketKey(system, id);
    const { version, state } = await conn.store.getState(tk);
    if (!state) {
      ctx.err(`no workflow for ${tk}: the ticket was never tagged for the bot, or REDIS_PREFIX (${conn.config.env.REDIS_PREFIX}) is not the workers' prefix`);
      return 1;
    }
    switch (action) {
      case 'show':
        return await show(ctx, conn, args, tk, version, state);
      case 'retry':
        return await retry(ctx, conn, args, tk, state);
      case 'escalate':
      case 'handoff':
        return await command(ctx, conn, args, tk, state, action);
    }
  } finally {
    await conn.close();
  }
}

async function show(ctx: CliContext, conn: CliConnection, args: Args, tk: string, version: number, state: WorkflowState): Promise<number> {
  const { store, queues, activity, redis } = conn;
  const pending = await Promise.all(
    (await store.pendingEffects(tk)).map(async (key) => {
      const record = await store.getEffect(key);
      const job = await queues.effects.getJob(effectJobId(key));
      return {
        key,
        effect: record?.effect.type ?? 'unknown',
        savedAt: record?.savedAt,
        job: job ? await job.getState() : 'missing',
        attempts: job?.attemptsMade ?? 0,
        ...(job?.failedReason ? { failedReason: job.failedReason } : {}),
      };
    }),
  );
  const timer = state.timer;
  const timers = timer ? [{ ...timer, status: await timerStatus(conn, tk, timer) }] : [];
  const inbox = await redis.llen(store.keys.inbox(tk));
  const recent = (await activity.list(tk)).reverse();
  const summary = {
    tk,
    version,
    status: state.status,
    round: state.round,
    attempts: state.attempts,
    reminders: state.reminders,
    awaiting: state.awaiting,
    escalation: state.escalation,
    token: state.token ? { serial: state.token.serial, type: state.token.type, state: state.token.state } : undefined,
    user: state.user?.userName,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
  if (args.json) {
    ctx.out(JSON.stringify({ ...summary, inbox, history: state.history, activity: recent, pendingEffects: pending, timers }, null, 2));
    return 0;
  }
  ctx.out(
    table(
      ['ticket', 'state', 'round', 'attempts', 'reminders', 'user', 'token', 'updated'],
      [[tk, state.status, state.round, state.attempts, state.reminders, summary.user ?? '-', summary.token ? `${summary.token.type} ${summary.token.serial}` : '-', isoTime(state.updatedAt)]],
    ),
  );
  if (state.escalation) ctx.out(`escalated: ${state.escalation.reason}: ${state.escalation.detail}`);
  ctx.out(`\nstate changes (${state.history.length})`);
  ctx.out(table(['at', 'event', 'from', 'to', 'note'], state.history.map((h) => [isoTime(h.at), h.event, h.from, h.to, h.note ?? ''])));
  ctx.out(`\nactivity (${recent.length}, oldest first)`);
  ctx.out(table(['at', 'what', 'detail'], recent.map(activityRow)));
  ctx.out(`\npending effects (${pending.length}); events waiting in the inbox: ${inbox}`);
  if (pending.length > 0) ctx.out(table(['effect', 'key', 'job', 'attempts', 'last error'], pending.map((p) => [p.effect, p.key, p.job, p.attempts, p.failedReason ?? ''])));
  ctx.out(`\ntimers (${timers.length})`);
  if (timers.length > 0) ctx.out(table(['timer', 'kind', 'due', 'status'], timers.map((t) => [t.id, t.kind, isoTime(t.dueAt), t.status])));
  return 0;
}

/**
 * Where the ticket's timer stands: 'scheduled' in the timers set, the state of a timer job an earlier version queued,
 * or 'missing'.
 */
async function timerStatus(conn: CliConnection, tk: string, timer: NonNullable<WorkflowState['timer']>): Promise<string> {
  if ((await conn.store.timerDueAt(tk, { timerId: timer.id, kind: timer.kind })) !== undefined) return 'scheduled';
  const job = await conn.queues.timers.getJob(jobId('timer', tk, timer.id));
  return job ? await job.getState() : 'missing';
}

function activityRow(a: ActivityEntry): string[] {
  if (a.kind === 'event') {
    const move = a.to ? ` ${a.from ?? '-'} → ${a.to}` : '';
    return [isoTime(a.at), `event ${a.event}`, `${move.trim()}${a.effects.length > 0 ? `${move ? '; ' : ''}effects: ${a.effects.join(', ')}` : ''}`];
  }
  return [isoTime(a.at), `effect ${a.effect} ${a.effectId}`, a.outcome === 'ok' ? 'ok' : `${a.outcome}: ${a.error ?? 'Error'}${a.reason ? ` (${a.reason})` : ''}`];
}

/** Puts a ticket's stuck work back in the queues: effects whose job is missing, failed or delayed, and its inbox. */
async function retry(ctx: CliContext, conn: CliConnection, args: Args, tk: string, state: WorkflowState): Promise<number> {
  const { store, queues, redis } = conn;
  const actions: Array<{ what: string; key: string; action: string }> = [];
  for (const key of await store.pendingEffects(tk)) {
    const job = await queues.effects.getJob(effectJobId(key));
    const jobState = job ? await job.getState() : 'missing';
    if (!job) {
      await queues.addRecoveredEffect(key);
      actions.push({ what: 'effect', key, action: 'queued again (job was missing)' });
    } else if (jobState === 'failed') {
      await job.retry('failed');
      actions.push({ what: 'effect', key, action: 'retried (job had failed)' });
    } else if (jobState === 'delayed') {
      await job.promote();
      actions.push({ what: 'effect', key, action: 'run now (was waiting for its backoff)' });
    } else {
      actions.push({ what: 'effect', key, action: `left alone (${jobState})` });
    }
  }
  if (state.timer) {
    const { id, kind, dueAt } = state.timer;
    const status = await timerStatus(conn, tk, state.timer);
    const job = await queues.timers.getJob(jobId('timer', tk, id));
    if (status === 'failed' && job) {
      await job.retry('failed');
      actions.push({ what: 'timer', key: id, action: 'retried (job of an earlier version had failed)' });
    } else if (status === 'missing') {
      await store.setTimer(tk, { type: 'setTimer', id: `retry.${id}`, timerId: id, kind, dueAt });
      actions.push({ what: 'timer', key: id, action: 'set again (was missing)' });
    }
  }
  const inbox = await redis.llen(store.keys.inbox(tk));
  if (inbox > 0) {
    await queues.drain(tk);
    actions.push({ what: 'inbox', key: tk, action: `drain queued (${inbox} events waiting)` });
  }
  if (args.json) ctx.out(JSON.stringify({ tk, status: state.status, actions }, null, 2));
  else if (actions.length === 0) ctx.out(`nothing to retry for ${tk} (${state.status}): no pending effect, no failed timer, an empty inbox`);
  else ctx.out(table(['what', 'key', 'action'], actions.map((a) => [a.what, a.key, a.action])));
  return 0;
}

/** Escalation and handoff go through the workflow: an event in the ticket's inbox, applied in order with the rest. */
async function command(ctx: CliContext, conn: CliConnection, args: Args, tk: string, state: WorkflowState, action: 'escalate' | 'handoff'): Promise<number> {
  if (TERMINAL.has(state.status)) {
    ctx.err(`${tk} is ${state.status} already: the bot no longer acts on it, so there is nothing to ${action}`);
    return 1;
  }
  const event = { type: 'operatorCommand' as const, id: `op:${randomUUID()}`, at: Date.now(), action, reason: args.reason ?? '' };
  const added = await conn.store.append(tk, [event]);
  await conn.queues.drain(tk);
  if (args.json) ctx.out(JSON.stringify({ tk, action, queued: added === 1, eventId: event.id, status: state.status }));
  else ctx.out(`${action} queued for ${tk} (now ${state.status}): the workflow applies it after the events already waiting`);
  return 0;
}
