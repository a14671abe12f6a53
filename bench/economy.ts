import { readFile } from 'node:fs/promises';
import axios from 'axios';
import { pino } from 'pino';
import { createApp } from '../workers/app.js';
import { DEFAULT_SEED, loadConfig } from '../workers/config.js';
import { DEMO_POLICY } from '../test/demo/run-demo.js';
import { SCENARIOS } from '../test/demo/scenarios.js';
import { SimulatedUser } from '../test/demo/simulated-user.js';
import { redisConnection } from '../workers/store/queues.js';
import { freePort } from '../workers/redis/private-redis.js';
import { LocalPlatform } from '../integrations/twofa/local/adapter.js';
import { DEMO_DEVICE_COUNTERS } from '../integrations/twofa/local/demo-devices.js';
import { parseSeed } from '../integrations/twofa/local/seed.js';
import { VirtualToken } from '../integrations/twofa/local/virtual-token.js';
import { CountingPlatform } from './counting-platform.js';
import { CountingProxy } from './counting-proxy.js';
import { uniquePrefix, type Row } from './util.js';

export interface EconomyDetail {
  scenario: string;
  final: string | undefined;
  ticketCalls: Record<string, number>;
  ticketPaths: string[];
  platformCalls: Record<string, number>;
}

export const economyDetails: EconomyDetail[] = [];

const sum = (m: Map<string, number> | undefined) => [...(m?.values() ?? [])].reduce((a, b) => a + b, 0);

/**
 * The demo's scenarios, all at once as `npm run demo` runs them, with the workers' calls to the desk counted on the
 * wire (an HTTP proxy in front of the desk's API) and their calls to the 2FA platform counted by a wrapper.
 */
export async function benchEconomy(url: string): Promise<Row[]> {
  const prefix = uniquePrefix('eco');
  const port = await freePort();
  const proxy = new CountingProxy(`http://127.0.0.1:${port}`);
  const proxyUrl = await proxy.start();
  const redis = redisConnection(url, () => undefined);
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const inner = new LocalPlatform({ redis, prefix, lookAheadWindow: 1000 });
  await inner.seed(seed);
  const platform = new CountingPlatform(inner);
  const config = loadConfig(
    { REDIS_URL: url, REDIS_PREFIX: prefix, PORT: String(port), HOST: '127.0.0.1', LOCAL_DESK_URL: `${proxyUrl}/desk`, POLL_INTERVAL_S: '5', SWEEP_INTERVAL_S: '2', EFFECT_BACKOFF_MS: '200', LOG_LEVEL: 'silent' },
    { policy: DEMO_POLICY },
  );
  const app = await createApp(config, { log: pino({ level: 'silent' }), platform });
  await app.start();
  // the poller lists watched tickets on its own schedule: not a per-ticket cost, reported apart
  const desk = axios.create({ baseURL: `${app.url}/desk`, timeout: 5_000 });
  const deadline = Date.now() + 45_000;
  const sent = new Set<string>();
  const results = await Promise.all(
    SCENARIOS.map(async (scenario) => {
      const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
      const tokenSeed = user ? seed.tokens.find((t) => t.userId === user.id) : undefined;
      const token = tokenSeed
        ? new VirtualToken({ secret: tokenSeed.secret, kind: tokenSeed.kind, counter: DEMO_DEVICE_COUNTERS[tokenSeed.serial] ?? tokenSeed.counter, digits: tokenSeed.digits ?? (tokenSeed.kind === 'kt4' ? 8 : 6) })
        : undefined;
      const created = await desk.post<{ id: string }>('/api/tickets', { subject: `2FA (${scenario.title})`, description: 'My 2FA code does not work.', requester: scenario.requester, tags: [DEMO_POLICY.watchTag] });
      const ticketId = String(created.data.id);
      const sim = new SimulatedUser({ desk, ticketId, scenario, token, sent, app: { store: app.store, platform: inner } });
      const state = await sim.run(deadline);
      return { scenario, ticketId, state, userId: user?.id };
    }),
  );
  await app.stop();
  await proxy.stop();
  redis.disconnect();

  const rows: Row[] = [];
  economyDetails.length = 0;
  for (const r of results) {
    const ticketCalls = proxy.byTicket.get(r.ticketId);
    const platformCalls = new Map<string, number>();
    for (const who of [r.userId, `email:${r.scenario.requester.email.toLowerCase()}`]) {
      for (const [k, v] of (who ? platform.calls.get(who) : undefined) ?? []) platformCalls.set(k, (platformCalls.get(k) ?? 0) + v);
    }
    economyDetails.push({ scenario: r.scenario.key, final: r.state?.status, ticketCalls: Object.fromEntries(ticketCalls ?? []), ticketPaths: proxy.paths.get(r.ticketId) ?? [], platformCalls: Object.fromEntries(platformCalls) });
    const happy = r.scenario.key === 'mobilepass-drift';
    const t = sum(ticketCalls);
    rows.push({
      bench: '4 API economy',
      metric: `${r.scenario.key} → ${r.state?.status ?? '?'}`,
      value: t,
      unit: 'desk calls/ticket',
      ...(happy ? { goal: '<= 8 desk calls (happy path)', met: t <= 8 } : {}),
      note: `platform calls ${sum(platformCalls)}; desk: ${[...(ticketCalls ?? [])].map(([k, v]) => `${k} x${v}`).join(', ')}`,
    });
  }
  rows.push({ bench: '4 API economy', metric: 'calls not tied to a ticket (poller, all tickets)', value: sum(proxy.other), unit: 'desk calls', note: [...proxy.other].map(([k, v]) => `${k} x${v}`).join(', ') });
  return rows;
}
