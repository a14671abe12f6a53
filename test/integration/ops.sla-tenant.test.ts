import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../workers/cli/report.js';
import type { OpsDeps } from '../../workers/http/ops-deps.js';
import { register as registerSlaRoutes } from '../../workers/http/sla-routes.js';
import type { OpenTickets } from '../../workers/observe/sla/open-tickets.js';
import type { SlaRecord } from '../../workers/observe/sla/record.js';
import { SlaStore } from '../../workers/observe/sla/store.js';
import type { SlaSummary } from '../../workers/observe/sla/summary.js';
import { initialState } from '../../workflows/resync/transition.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { DAY_MS, seededRecords } from '../support/sla-records.js';
import { makeTicket } from '../unit/workflow.harness.js';

const redis = newRedis();
const prefixes: string[] = [];
const fresh = (name: string) => {
  const p = freshPrefix(name);
  prefixes.push(p);
  return p;
};
afterAll(async () => {
  for (const p of prefixes) await deletePrefix(redis, p);
  redis.disconnect();
});

const END = Date.now();
/** Tickets 1–3 of the seeded records are acme's, 4–5 globex's, 6 (and the old one) were routed to no tenant. */
const TENANT_OF: Record<string, string> = { '1': 'acme', '2': 'acme', '3': 'acme', '4': 'globex', '5': 'globex' };
const tenanted = (end: number): SlaRecord[] => seededRecords(end).map((r) => (TENANT_OF[r.ticketId] ? { ...r, tenant: TENANT_OF[r.ticketId] } : r));

describe('SlaStore with tenants, on real Redis', () => {
  it('keeps each tenant\'s records in an index of its own, and reads one tenant from it', async () => {
    const p = fresh('slaten');
    const store = new SlaStore(redis, p);
    for (const r of tenanted(END)) await store.save(r);
    expect(await redis.zrange(`${p}:sla:tenant:acme`, 0, -1)).toEqual(['local:3:1', 'local:1:1', 'local:2:1']);
    expect(await redis.zrange(`${p}:sla:tenant:globex`, 0, -1)).toEqual(['zendesk:4:1', 'zendesk:5:1']);
    expect(await store.tenants()).toEqual(['acme', 'globex']);
    expect((await store.range(0, END, 'globex')).map((r) => r.ticketId)).toEqual(['4', '5']);
    expect((await store.range(0, END)).length).toBe(7);
    expect(await store.range(0, END, 'initech')).toEqual([]);
  });

  it('moves a record in its tenant\'s index when a later save changes its close time, and never for an older state', async () => {
    const p = fresh('slatenmove');
    const store = new SlaStore(redis, p);
    const [first] = tenanted(END);
    await store.save({ ...first!, asOf: END });
    await store.save({ ...first!, closedAt: END + 5_000, outcome: 'handed_off', asOf: END + 5_000 });
    await store.save({ ...first!, closedAt: END - 5_000, asOf: END - 5_000 });
    expect(await redis.zscore(`${p}:sla:tenant:acme`, 'local:1:1')).toBe(String(END + 5_000));
    expect((await store.range(0, END + 10_000, 'acme')).map((r) => r.outcome)).toEqual(['handed_off']);
  });

  it('trims the tenants\' indexes with the main one, and forgets a tenant with its last record', async () => {
    const p = fresh('slatentrim');
    const store = new SlaStore(redis, p, 1);
    const [a, b] = tenanted(END);
    await store.save({ ...a!, tenant: 'gone', closedAt: END - 3 * DAY_MS });
    await store.save({ ...b!, closedAt: END - 3 * DAY_MS });
    await store.save({ ...a!, ticketId: 'new', closedAt: END });
    expect(await store.tenants()).toEqual(['acme']);
    expect(await redis.exists(`${p}:sla:tenant:gone`)).toBe(0);
    expect(await redis.zrange(`${p}:sla:tenant:acme`, 0, -1)).toEqual(['local:new:1']);
    expect(await redis.zrange(`${p}:sla:index`, 0, -1)).toEqual(['local:new:1']);
  });

  it('gives a record whose tenant could not be an id no key of its own', async () => {
    const p = fresh('slatenbad');
    const store = new SlaStore(redis, p);
    const [a] = tenanted(END);
    await store.save({ ...a!, tenant: 'Acme Corp:*' });
    expect(await store.tenants()).toEqual([]);
    expect((await store.range(0, END)).map((r) => r.tenant)).toEqual(['Acme Corp:*']);
  });
});

describe('GET /sla/summary and /sla/open with ?tenant=', () => {
  const p = fresh('slatenhttp');
  let app: FastifyInstance;
  let configured = new Set(['acme', 'globex', 'initech']);
  const states = [
    { ...initialState(makeTicket({ id: '71' }), END), tenant: 'acme' },
    { ...initialState(makeTicket({ id: '72' }), END), tenant: 'globex' },
    initialState(makeTicket({ id: '73' }), END),
  ];

  beforeAll(async () => {
    const sla = new SlaStore(redis, p);
    for (const r of tenanted(END)) await sla.save(r);
    const deps = {
      sla,
      store: { getState: async (tk: string) => ({ state: states.find((s) => `local:${s.ticket.id}` === tk) }) },
      openTickets: { members: async () => ({ tks: states.map((s) => `local:${s.ticket.id}`), truncated: false }) },
      knownTenants: () => configured,
      now: () => END,
      access: async () => ({ role: 'read' }),
    } as unknown as OpsDeps;
    app = Fastify({ logger: false });
    await app.register(async (instance) => registerSlaRoutes(instance, deps));
  });
  afterAll(async () => {
    await app?.close();
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };

  it('gives all records without a filter, with a breakdown by tenant and the tenants to choose from', async () => {
    const { status, body } = await get('/sla/summary?since=7d');
    expect(status).toBe(200);
    const summary = body as unknown as SlaSummary;
    expect(summary.tickets).toBe(6);
    expect(Object.keys(summary.byTenant ?? {})).toEqual(['acme', 'globex', '(none)']);
    expect(summary.tenants).toEqual(['acme', 'globex']);
  });

  it('gives only that tenant\'s records with ?tenant=', async () => {
    const summary = (await get('/sla/summary?since=7d&tenant=acme')).body as unknown as SlaSummary;
    expect(summary).toMatchObject({ tenant: 'acme', tickets: 3, outcomes: { resolved: 2, escalated: 1 }, tenants: ['acme', 'globex'] });
    expect(summary.byTenant).toBeUndefined();
  });

  it('gives empty figures for a configured tenant without records, and still the records of a tenant removed from the file', async () => {
    expect((await get('/sla/summary?since=7d&tenant=initech')).body).toMatchObject({ tenant: 'initech', tickets: 0 });
    configured = new Set(['acme']);
    expect((await get('/sla/summary?since=7d&tenant=globex')).body).toMatchObject({ tenant: 'globex', tickets: 2 });
    configured = new Set(['acme', 'globex', 'initech']);
  });

  it('refuses an ill-formed or unknown tenant with 400 and a reason', async () => {
    expect(await get('/sla/summary?tenant=ACME')).toMatchObject({ status: 400, body: { error: 'bad_query', message: expect.stringMatching(/^tenant: a tenant id/) } });
    expect(await get('/sla/summary?tenant=')).toMatchObject({ status: 400 });
    expect(await get('/sla/summary?tenant=acme&tenant=globex')).toMatchObject({ status: 400 });
    expect(await get('/sla/summary?tenant=hooli')).toMatchObject({ status: 400, body: { message: 'tenant: no tenant hooli; known: acme, globex, initech' } });
    expect(await get('/sla/open?tenant=hooli')).toMatchObject({ status: 400 });
  });

  it('lists only that tenant\'s open tickets with ?tenant=', async () => {
    const all = (await get('/sla/open')).body as unknown as OpenTickets;
    expect(all.tickets.map((t) => t.ticketId).sort()).toEqual(['71', '72', '73']);
    const acme = (await get('/sla/open?tenant=acme')).body as unknown as OpenTickets;
    expect(acme).toMatchObject({ total: 1, tickets: [{ ticketId: '71', tenant: 'acme' }] });
  });
});

describe('twofa-desk report --tenant, on real Redis', () => {
  const p = fresh('reporttenant');
  const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: p };

  beforeAll(async () => {
    const store = new SlaStore(redis, p);
    for (const r of tenanted(END)) await store.save(r);
  });

  async function report(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run({ args, env, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('gives that tenant\'s figures only', async () => {
    const { code, out } = await report(['--tenant', 'globex', '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ tenant: 'globex', tickets: 2, bySystem: { zendesk: { tickets: 2 } } });
    const csv = (await report(['--tenant', 'acme', '--format', 'csv'])).out.split('\r\n');
    expect(csv[1]?.split(',').slice(0, 3)).toEqual(['tenant', 'acme', '3']);
  });

  it('gives a row per tenant without --tenant', async () => {
    const { out } = await report(['--since', '7d']);
    expect(out).toMatch(/│ tenant acme\s+│ 3\s+│/);
    expect(out).toMatch(/│ tenant globex\s+│ 2\s+│/);
    expect(out).toMatch(/│ tenant \(none\)\s+│ 1\s+│/);
  });

  it('exits 1 for a tenant without records, naming those with some, and refuses an ill-formed id as bad usage', async () => {
    expect(await report(['--tenant', 'acne'])).toMatchObject({ code: 1, out: '', err: expect.stringMatching(/^--tenant: no tenant acne; known: acme, globex/) });
    await expect(run({ args: ['--tenant', 'Acme'], env, out: () => undefined, err: () => undefined })).rejects.toThrow(/--tenant: a tenant id/);
  });
});
