import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import type { OpenTickets } from '../../workers/observe/sla/open-tickets.js';
import { SlaStore } from '../../workers/observe/sla/store.js';
import type { SlaSummary } from '../../workers/observe/sla/summary.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { MIN, SEEDED, seededRecords } from '../support/sla-records.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ADMIN_TOKEN = 'dashboard-test-admin-token-0123456789';

const redis = newRedis();
const prefixes: string[] = [];
let browser: Browser;

async function startApp(extra: Record<string, string> = {}): Promise<App> {
  const prefix = freshPrefix('dash');
  prefixes.push(prefix);
  const app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ...extra }), { log: capturedLogger('warn').log });
  await app.start();
  return app;
}

/** Polls a condition (no fixed sleep): the workers move the ticket on in their own time. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/**
 * In-page code is sent as text: the project compiles without the DOM library, so that server code cannot
 * use browser globals by mistake.
 */
function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** Pixels a chart drew: a canvas Chart.js left empty has none. */
function paintedPixels(page: Page, id: string): Promise<number> {
  return inPage(
    page,
    `(() => {
      const canvas = document.getElementById(${JSON.stringify(id)});
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n += 1;
      return n;
    })()`,
  );
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium with \`bash scripts/install-chromium.sh\` (as root)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  for (const p of prefixes) await deletePrefix(redis, p);
  redis.disconnect();
});

describe('the SLA dashboard in headless Chromium', () => {
  let app: App;
  let openTicketId: string;

  beforeAll(async () => {
    app = await startApp();
    const sla = new SlaStore(app.redis, app.config.env.REDIS_PREFIX);
    for (const r of seededRecords(Date.now())) await sla.save(r);
    const created = await fetch(`${app.url}/desk/api/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'VPN code rejected', description: 'my code does not work', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] }),
    });
    openTicketId = String(((await created.json()) as { id: string | number }).id);
    await until('the ticket to wait for codes', async () => {
      const { state } = await app.store.getState(`local:${openTicketId}`);
      return state?.status === 'awaiting_codes' ? state : undefined;
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('serves the same figures as JSON at /sla/summary and /sla/open', async () => {
    const summary = await getJson<SlaSummary>(`${app.url}/sla/summary?since=7d`);
    expect(summary).toMatchObject({ tickets: SEEDED.tickets, breaches: SEEDED.breaches, escalationsByReason: SEEDED.escalationsByReason, firstReply: SEEDED.firstReply });
    const open = await getJson<OpenTickets>(`${app.url}/sla/open`);
    expect(open.total).toBe(1);
    expect(open.tickets[0]).toMatchObject({ system: 'local', ticketId: openTicketId, status: 'awaiting_codes', waitingOn: 'end_user' });
    expect(JSON.stringify(open)).not.toContain('@');
  });

  it('refuses a bad range with 400 and a reason', async () => {
    const res = await fetch(`${app.url}/sla/summary?from=yesterday`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad_query', message: expect.stringMatching(/^from: an ISO 8601 date/) });
  });

  it('shows the figures, the charts and the open tickets, and refreshes itself', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    page.on('pageerror', (e) => problems.push(e.message));
    const external: string[] = [];
    page.on('request', (r) => void (!r.url().startsWith(app.url ?? '') && external.push(r.url())));

    await page.goto(`${app.url}/dashboard?refresh=1`);
    await page.waitForSelector('body[data-loaded]');
    const summary = await getJson<SlaSummary>(`${app.url}/sla/summary?since=7d`);

    const shown = await inPage<Record<string, { value: string; text: string }>>(
      page,
      `Object.fromEntries([...document.querySelectorAll('[data-figure]')].map((e) => [e.dataset.figure, { value: e.dataset.value, text: e.textContent }]))`,
    );
    expect(shown.tickets).toEqual({ value: String(summary.tickets), text: '6' });
    expect(shown.automationRate).toEqual({ value: String(summary.automationRate), text: '33.3 %' });
    expect(shown['firstReply.p50Ms']).toEqual({ value: String(summary.firstReply.p50Ms), text: '30 s' });
    expect(shown['firstReply.p90Ms']).toEqual({ value: String(summary.firstReply.p90Ms), text: '16 min' });
    expect(shown['waiting.p90Ms']).toEqual({ value: String(summary.waiting.p90Ms), text: '3.0 d' });
    expect(shown['resolution.p50Ms']).toEqual({ value: String(summary.resolution.p50Ms), text: '30 min' });
    expect(shown['breaches.firstReply']?.text).toBe(String(summary.breaches.firstReply));
    expect(shown['breaches.resolution']?.text).toBe(String(summary.breaches.resolution));
    expect(shown.escalations?.text).toBe('2');
    expect(shown['open.total']?.text).toBe('1');

    const openRow = await inPage<string[]>(page, `[...document.querySelectorAll('#open tr[data-ticket="local:${openTicketId}"] td')].map((td) => td.textContent)`);
    expect(openRow.slice(0, 3)).toEqual([`local #${openTicketId}`, 'awaiting_codes', 'end user']);
    const systems = await inPage<string[][]>(page, `[...document.querySelectorAll('#by-system tbody tr')].map((r) => [r.dataset.key, r.children[1].textContent])`);
    expect(systems).toEqual([['local', '4'], ['zendesk', '2']]);
    // No record has a tenant: no tenant filter, no tenant table.
    expect(await page.isHidden('#tenant-filter')).toBe(true);
    expect(await page.isHidden('#tenants-section')).toBe(true);

    for (const id of ['chart-escalations', 'chart-times', 'chart-days']) expect(await paintedPixels(page, id), id).toBeGreaterThan(500);
    const labels = await inPage<string[]>(page, `Chart.getChart(document.getElementById('chart-escalations')).data.labels`);
    expect([...labels].sort()).toEqual(Object.keys(summary.escalationsByReason).sort());

    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });

    // A ticket closing now shows up at the next refresh, without a reload.
    const [extra] = seededRecords(Date.now());
    await new SlaStore(app.redis, app.config.env.REDIS_PREFIX).save({ ...extra!, ticketId: 'late', closedAt: Date.now() - MIN });
    await page.waitForSelector('[data-figure="tickets"][data-value="7"]');
    expect(await page.textContent('[data-figure="tickets"]')).toBe('7');

    expect(problems).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  });
});

describe('the dashboard of a deployment with tenants', () => {
  /** Tickets 1–3 of the seeded records are acme's, 4–5 globex's, 6 was routed to no tenant. */
  const TENANT_OF: Record<string, string> = { '1': 'acme', '2': 'acme', '3': 'acme', '4': 'globex', '5': 'globex' };
  let app: App;
  beforeAll(async () => {
    app = await startApp({ ROLES: 'intake' });
    const sla = new SlaStore(app.redis, app.config.env.REDIS_PREFIX);
    for (const r of seededRecords(Date.now())) await sla.save(TENANT_OF[r.ticketId] ? { ...r, tenant: TENANT_OF[r.ticketId] } : r);
  });
  afterAll(async () => {
    await app?.stop();
  });

  const rows = (page: Page, table: string) => inPage<string[][]>(page, `[...document.querySelectorAll('#${table} tbody tr')].map((r) => [r.dataset.key, r.children[1].textContent])`);

  it('offers the tenants in a select, and choosing one limits every figure to it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${app.url}/dashboard`);
    await page.waitForSelector('body[data-loaded]');
    expect(await page.isVisible('#tenant')).toBe(true);
    const options = await inPage<string[][]>(page, `[...document.querySelectorAll('#tenant option')].map((o) => [o.value, o.textContent])`);
    expect(options).toEqual([['', 'all'], ['acme', 'acme'], ['globex', 'globex']]);
    expect(await page.textContent('[data-figure="tickets"]')).toBe('6');
    expect(await rows(page, 'by-tenant')).toEqual([['acme', '3'], ['globex', '2'], ['(none)', '1']]);

    await page.selectOption('#tenant', 'globex');
    await page.waitForSelector('body[data-tenant="globex"]');
    const globex = await getJson<SlaSummary>(`${app.url}/sla/summary?since=7d&tenant=globex`);
    expect(globex.tickets).toBe(2);
    expect(await page.textContent('[data-figure="tickets"]')).toBe('2');
    expect(await page.getAttribute('[data-figure="automationRate"]', 'data-value')).toBe(String(globex.automationRate));
    expect(await page.getAttribute('[data-figure="firstReply.p90Ms"]', 'data-value')).toBe(String(globex.firstReply.p90Ms));
    expect(await page.textContent('[data-figure="escalations"]')).toBe('1');
    expect(await rows(page, 'by-system')).toEqual([['zendesk', '2']]);
    expect(await page.isHidden('#tenants-section')).toBe(true);
    expect(new URL(page.url()).searchParams.get('tenant')).toBe('globex');
    const labels = await inPage<string[]>(page, `Chart.getChart(document.getElementById('chart-escalations')).data.labels`);
    expect(labels).toEqual(['user_not_found']);

    await page.selectOption('#tenant', '');
    await page.waitForSelector('body[data-tenant=""]');
    expect(await page.textContent('[data-figure="tickets"]')).toBe('6');
    expect(new URL(page.url()).searchParams.has('tenant')).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens on the tenant named in its address', async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/dashboard?tenant=acme`);
    await page.waitForSelector('body[data-tenant="acme"]');
    expect(await page.inputValue('#tenant')).toBe('acme');
    expect(await page.textContent('[data-figure="tickets"]')).toBe('3');
    await page.close();
  });
});

describe('the dashboard with ADMIN_TOKEN set', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp({ ADMIN_TOKEN, ROLES: 'intake' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it.each(['/dashboard', '/dashboard/chart.umd.min.js', '/sla/summary', '/sla/open'])('answers %s with 401 without the token', async (path) => {
    const res = await fetch(`${app.url}${path}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('serves the page with the bearer token', async () => {
    const res = await fetch(`${app.url}/dashboard`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('loads in a browser that sends the token as the Basic password', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: ADMIN_TOKEN } });
    const page = await context.newPage();
    await page.goto(`${app.url}/dashboard`);
    await page.waitForSelector('body[data-loaded]');
    expect(await page.textContent('[data-figure="tickets"]')).toBe('0');
    await context.close();
  });
});
