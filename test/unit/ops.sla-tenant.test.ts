import { describe, expect, it } from 'vitest';
import { Metrics } from '../../workers/observe/metrics.js';
import { openTicketOf } from '../../workers/observe/sla/open-tickets.js';
import type { SlaRecord } from '../../workers/observe/sla/record.js';
import { toCsv, toTable } from '../../workers/observe/sla/report-format.js';
import { summarize } from '../../workers/observe/sla/summary.js';
import { BadTenant, NO_TENANT, parseTenantFilter } from '../../workers/observe/sla/tenant-filter.js';
import { TicketObserver } from '../../workers/observe/ticket-observer.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { initialState } from '../../workflows/resync/transition.js';
import { capturedLogger } from '../support/log-capture.js';
import { DAY_MS, MIN, seededRecords } from '../support/sla-records.js';
import { REFUSED_SOLVE, makeTicket, reach } from './workflow.harness.js';

const END = Date.UTC(2026, 10, 20, 12, 0);
const RANGE = { from: END - 7 * DAY_MS, to: END };
/** Tickets 1–3 of the seeded records are acme's, 4–5 globex's, 6 was routed to no tenant (it escalated). */
const TENANT_OF: Record<string, string> = { '1': 'acme', '2': 'acme', '3': 'acme', '4': 'globex', '5': 'globex' };
const tenanted = (): SlaRecord[] => seededRecords(END).map((r) => (TENANT_OF[r.ticketId] ? { ...r, tenant: TENANT_OF[r.ticketId] } : r));

describe('parseTenantFilter', () => {
  const known = new Set(['acme', 'globex']);

  it('gives no tenant when the query has none', () => {
    expect(parseTenantFilter(undefined, known)).toBeUndefined();
  });

  it('gives a known tenant', () => {
    expect(parseTenantFilter('globex', known)).toBe('globex');
  });

  it.each([[''], ['Acme'], ['../acme'], ['acme eu'], ['-acme'], ['a'.repeat(41)], [['acme', 'globex']]])('refuses the ill-formed %j, saying what an id looks like', (value) => {
    expect(() => parseTenantFilter(value, known)).toThrow(BadTenant);
    expect(() => parseTenantFilter(value, known)).toThrow(/^tenant: a tenant id \(lower-case letters/);
  });

  it('refuses a well-formed id no tenant has, naming the tenants there are', () => {
    expect(() => parseTenantFilter('acne', known)).toThrow('tenant: no tenant acne; known: acme, globex');
    expect(() => parseTenantFilter('acme', new Set())).toThrow('tenant: no tenant acme (this deployment has no tenants)');
  });
});

describe('summarize with tenants', () => {
  it('breaks the figures down by tenant, the tickets no tenant matched last', () => {
    const summary = summarize(tenanted(), RANGE);
    expect(summary.tickets).toBe(6);
    expect(Object.keys(summary.byTenant ?? {})).toEqual(['acme', 'globex', NO_TENANT]);
    expect(summary.byTenant?.acme).toMatchObject({ tickets: 3, outcomes: { resolved: 2, escalated: 1 }, escalationsByReason: { sla_risk: 1 } });
    expect(summary.byTenant?.globex).toMatchObject({ tickets: 2, automationRate: 0, breaches: { firstReply: 1, resolution: 1 } });
    expect(summary.byTenant?.[NO_TENANT]).toMatchObject({ tickets: 1, outcomes: { handed_off: 1 } });
    expect(summary.tenant).toBeUndefined();
  });

  it('limits every figure to one tenant when asked, and says which', () => {
    const summary = summarize(tenanted(), RANGE, { tenant: 'globex' });
    expect(summary).toMatchObject({ tenant: 'globex', tickets: 2, outcomes: { escalated: 1, timed_out: 1, resolved: 0 }, escalationsByReason: { user_not_found: 1 } });
    expect(Object.keys(summary.bySystem)).toEqual(['zendesk']);
    expect(summary.perDay.reduce((n, d) => n + d.tickets, 0)).toBe(2);
    expect(summary.byTenant).toBeUndefined();
  });

  it('has no tenant breakdown when no record carries a tenant (the single-platform configuration)', () => {
    expect(summarize(seededRecords(END), RANGE)).not.toHaveProperty('byTenant');
  });
});

describe('the report with tenants', () => {
  it('puts one row per tenant right after the overall one, in the table and in CSV', () => {
    const summary = summarize(tenanted(), RANGE);
    const rows = toCsv(summary).split('\r\n').map((l) => l.split(','));
    expect(rows.slice(1).map(([scope, key]) => `${scope} ${key}`)).toEqual([
      `all ${summary.from}/${summary.to}`, 'tenant acme', 'tenant globex', `tenant ${NO_TENANT}`, 'system local', 'system zendesk', 'platform local', 'platform sta',
    ]);
    expect(rows[2]?.slice(2, 4)).toEqual(['3', '2']);
    const table = toTable(summary);
    expect(table).toMatch(/│ tenant acme\s+│ 3\s+│ 66\.7%/);
    expect(table).toMatch(/│ tenant globex\s+│ 2\s+│ 0\.0%/);
  });

  it('names the tenant in the title and the first row when limited to one', () => {
    const summary = summarize(tenanted(), RANGE, { tenant: 'acme' });
    const table = toTable(summary);
    expect(table.split('\n')[0]).toBe(`SLA report for tenant acme, ${summary.from} → ${summary.to} (tickets closed in the range)`);
    expect(table).toMatch(/│ tenant acme\s+│ 3\s+│/);
    expect(table).not.toMatch(/│ all /);
    const [, first] = toCsv(summary).split('\r\n');
    expect(first?.split(',').slice(0, 3)).toEqual(['tenant', 'acme', '3']);
  });
});

describe('openTicketOf with a tenant', () => {
  it('carries the tenant the ticket was routed to, and none without one', () => {
    const state: WorkflowState = initialState(makeTicket(), END);
    expect(openTicketOf({ ...state, tenant: 'acme' }, END)?.tenant).toBe('acme');
    expect(openTicketOf(state, END)).not.toHaveProperty('tenant');
  });
});

describe('TicketObserver: the tenant label of the finished-ticket metrics', () => {
  /** the tenants' platforms as tenantLookups answers them: the single platform is 'local' */
  function observe(known?: Set<string>, platforms: Record<string, string> = {}) {
    const metrics = new Metrics();
    const observer = new TicketObserver({
      metrics,
      index: { move: async () => undefined } as never,
      activity: { add: async () => undefined } as never,
      log: capturedLogger('info').log,
      platformNameOf: (tenant) => (tenant === undefined ? 'local' : (platforms[tenant] ?? 'local')),
      systems: new Set(['local']),
      ...(known ? { knownTenants: () => known } : {}),
    });
    const finish = (tenant: string | undefined) => {
      const desk = reach('resolved');
      const after = tenant === undefined ? desk.s : { ...desk.s, tenant };
      observer.applied('local:t1', desk.events.at(-1)!, desk.results.at(-2)?.state, after, desk.last.effects);
    };
    return { metrics, observer, finish };
  }

  it('is the ticket\'s tenant when it is configured, and `other` once the tenant has left the file', async () => {
    const known = new Set(['acme', 'globex']);
    const { metrics, finish } = observe(known);
    finish('acme');
    finish('acme');
    known.delete('globex');
    finish('globex');
    const text = await metrics.registry.metrics();
    expect(text).toContain('twofa_desk_tickets_finished_total{outcome="resolved",system="local",platform="local",tenant="acme"} 2');
    expect(text).toContain('twofa_desk_tickets_finished_total{outcome="resolved",system="local",platform="local",tenant="other"} 1');
    expect(text).not.toContain('globex');
  });

  it('is left out without a tenant, so single-platform series keep their label set', async () => {
    const { metrics, finish } = observe();
    finish(undefined);
    finish('stray');
    const text = await metrics.registry.metrics();
    expect(text).toContain('twofa_desk_tickets_finished_total{outcome="resolved",system="local",platform="local"} 1');
    expect(text).toContain('twofa_desk_tickets_finished_total{outcome="resolved",system="local",platform="local",tenant="other"} 1');
  });

  it('labels each ticket with its own tenant’s platform, not the single platform of TWOFA_PLATFORM', async () => {
    const { metrics, observer, finish } = observe(new Set(['acme', 'nordwerk']), { nordwerk: 'privacyidea' });
    finish('nordwerk');
    finish('acme');
    observer.effect({ tk: 'local:t2', effect: { type: 'readGroups', id: 'e1', tenant: 'nordwerk' }, outcome: 'retry', error: new Error('x'), at: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('twofa_desk_tickets_finished_total{outcome="resolved",system="local",platform="privacyidea",tenant="nordwerk"} 1');
    expect(text).toContain('twofa_desk_tickets_finished_total{outcome="resolved",system="local",platform="local",tenant="acme"} 1');
    expect(text).not.toContain('platform="local",tenant="nordwerk"');
    expect(text).toMatch(/effect_failures_total\{integration="privacyidea",effect="readGroups",reason="Error"\} 1/);
  });

  it('is on the count of rounds whose final update failed too', async () => {
    const { metrics, observer } = observe(new Set(['acme']));
    const desk = reach('resolved');
    desk.advance(MIN).send('effectFailed', { effectId: desk.s.closingUpdate ?? '', effectType: 'updateTicket', reason: REFUSED_SOLVE, retryable: false });
    expect(desk.s.status).toBe('update_failed');
    observer.applied('local:t1', desk.events.at(-1)!, { ...desk.results.at(-2)!.state!, tenant: 'acme' }, { ...desk.s, tenant: 'acme' }, desk.last.effects);
    expect(await metrics.registry.metrics()).toContain('twofa_desk_final_update_failures_total{outcome="resolved",system="local",platform="local",tenant="acme"} 1');
  });
});
