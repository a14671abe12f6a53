import axios, { type AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { SimulatedUser } from '../demo/simulated-user.js';
import type { Scenario } from '../demo/scenarios.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import type { GeneratedUser } from './generated-seed.js';
import { testRedisUrl } from './redis.js';

/** The HTTP side only (embedded desk + intake), for tests whose workers run in other processes. */
export async function startIntakeOnly(prefix: string, seedPath: string, log: Logger): Promise<{ app: App; desk: AxiosInstance }> {
  const config = loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ROLES: 'intake', TWOFA_LOCAL_SEED: seedPath });
  const app = await createApp(config, { log });
  await app.start();
  return { app, desk: axios.create({ baseURL: `${app.url}/desk`, timeout: 10_000 }) };
}

export function workerEnv(prefix: string, app: App, seedPath: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    ROLES: 'workers',
    LOCAL_DESK_URL: `${app.url}/desk`,
    TWOFA_LOCAL_SEED: seedPath,
    LOG_LEVEL: 'info',
    POLL_INTERVAL_S: '2',
    SWEEP_INTERVAL_S: '1',
    EFFECT_BACKOFF_MS: '100',
    JOB_LOCK_MS: '2000',
    ...extra,
  };
}

const happyScript: Scenario['script'] = { codes: () => 'right', retest: () => 'works' };

/** Opens a ticket for a generated user and plays that user until the ticket ends. */
export async function playTicket(app: App, desk: AxiosInstance, user: GeneratedUser, sent: Set<string>, deadline: number): Promise<{ ticketId: string; state: WorkflowState | undefined; botPublic: number }> {
  const scenario: Scenario = {
    key: user.userName,
    title: user.userName,
    requester: { email: user.email, name: user.name },
    userName: user.userName,
    script: happyScript,
    expect: { final: 'resolved', publicReplies: 3 },
  };
  const created = await desk.post<{ id: string }>('/api/tickets', { subject: '2FA code rejected', description: 'help', requester: scenario.requester, tags: ['2fa_issue'] });
  const ticketId = String(created.data.id);
  const token = new VirtualToken({ secret: user.secret, counter: user.deviceCounter, kind: 'mobilepass', digits: 6 });
  const sim = new SimulatedUser({
    desk,
    ticketId,
    scenario,
    token,
    sent,
    pollMs: 250,
        app,
  });
  const state = await sim.run(deadline);
  const { data } = await desk.get<{ comments: Array<{ authorRole: string; public: boolean }> }>(`/api/tickets/${ticketId}`);
  return { ticketId, state, botPublic: data.comments.filter((c) => c.authorRole === 'bot' && c.public).length };
}

/** The order the runbook's happy path must follow, state by state. */
export const HAPPY_PATH = ['locating_user', 'checking_group', 'inspecting_tokens', 'awaiting_codes', 'resyncing', 'awaiting_retest', 'resolved'];

export function visitedStates(state: WorkflowState): string[] {
  return state.history.map((h) => h.to);
}
