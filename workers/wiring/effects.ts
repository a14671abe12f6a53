import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import type { Policy } from '../../workflows/resync/index.js';
import type { CodeVault } from '../assist/code-vault.js';
import { assistConsoleSteps } from '../assist/console-steps.js';
import type { Env } from '../config.js';
import { EffectExecutor } from '../effects/effect-executor.js';
import { EffectRunner } from '../effects/effect-runner.js';
import { RecentComments } from '../effects/recent-comments.js';
import { TokensReadAhead } from '../effects/tokens-read-ahead.js';
import type { TicketObserver } from '../observe/ticket-observer.js';
import type { Queues } from '../store/queues.js';
import type { WorkflowStore } from '../store/workflow-store.js';
import { configuredMode } from './configured-mode.js';
import type { Tenants } from './tenant-wiring.js';

export interface EffectsDeps {
  env: Env;
  policy: Policy;
  redis: Redis;
  store: WorkflowStore;
  queues: Queues;
  platform: TwoFactorPlatform;
  tenants: Tenants | undefined;
  ticketing: ReadonlyMap<string, TicketSystem>;
  vault: CodeVault | undefined;
  /** where agents open the one-time code page */
  publicUrl: string;
  observer: TicketObserver;
  wake: (tk: string) => Promise<void>;
  log: Logger;
  now: (() => number) | undefined;
}

/** The effects' side: the executor that calls the desks and platforms, and the runner that runs it (as jobs or inline). */
export interface Effects {
  executor: EffectExecutor;
  runner: EffectRunner;
  /** inline effects only: a resync takes its reply's text from memory instead of a second read */
  recentComments: RecentComments | undefined;
}

export function effects(deps: EffectsDeps): Effects {
  const { env, store, queues, platform, vault } = deps;
  const clock = deps.now ? { now: deps.now } : {};
  const recentComments = env.EFFECTS_INLINE ? new RecentComments() : undefined;
  const executor = new EffectExecutor({
    platform,
    ...(deps.tenants ? { tenants: deps.tenants.platforms } : {}),
    ...(vault
      ? { assist: { vault, consoleSteps: (tokenType: string) => assistConsoleSteps(platform.consoleUrl, tokenType), pageUrl: (linkId: string) => `${deps.publicUrl}/assist/${linkId}` } }
      : {}),
    ...(recentComments ? { recentComments } : {}),
    tokensAhead: new TokensReadAhead(),
    ticketing: deps.ticketing,
    timers: store,
    resyncLimit: { redis: deps.redis, keys: store.keys, perUserPerDay: deps.policy.maxResyncsPerUserPerDay },
    requeue: async (tk, events) => {
      if ((await store.append(tk, events)) > 0) await queues.drain(tk);
    },
    // a write a shadow or approve-changes ticket keeps for an agent, and a ticket update that comes after the end
    states: { of: async (tk) => (await store.getState(tk)).state, configuredMode: configuredMode(deps.policy, deps.tenants) },
    ...clock,
  });
  const runner = new EffectRunner({
    store,
    queues,
    executor,
    log: deps.log,
    wake: deps.wake,
    attempts: env.EFFECT_ATTEMPTS,
    backoffMs: env.EFFECT_BACKOFF_MS,
    onEffect: (attempt) => deps.observer.effect(attempt),
    ...clock,
  });
  return { executor, runner, recentComments };
}
