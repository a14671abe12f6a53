/* global document, window, fetch, Chart, URLSearchParams */
// The SLA dashboard: reads /sla/summary and /sla/open (same origin, same credentials) and redraws itself every
// `?refresh=` seconds (default 30). Plain browser JavaScript: no build step, no CDN. With tenants, a select
// limits every figure to one (`?tenant=` on both reads; `/dashboard?tenant=acme` opens on it).
'use strict';

const params = new URLSearchParams(window.location.search);
const refreshS = Math.max(1, Number(params.get('refresh')) || 30);
const charts = {};

function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = ms / 3_600_000;
  return h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`;
}

function percent(rate) {
  return rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)} %`;
}

function pick(obj, path) {
  return path.split('.').reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj);
}

function showFigures(summary, open) {
  const data = { ...summary, open };
  for (const el of document.querySelectorAll('[data-figure]')) {
    const key = el.dataset.figure;
    const value = pick(data, key);
    el.dataset.value = value === null || value === undefined ? '' : String(value);
    if (key === 'automationRate') el.textContent = percent(value);
    else if (key === 'requesterMessages.mean') el.textContent = value === null || value === undefined ? '–' : value.toFixed(1);
    else if (key.endsWith('Ms')) el.textContent = duration(value);
    else el.textContent = value === undefined || value === null ? '–' : String(value);
  }
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.appendChild(td);
}

function fillBreakdown(tableId, groups) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren();
  for (const [name, f] of Object.entries(groups)) {
    const tr = document.createElement('tr');
    tr.dataset.key = name;
    cell(tr, name);
    cell(tr, String(f.tickets));
    cell(tr, percent(f.automationRate));
    cell(tr, duration(f.firstReply.p50Ms));
    cell(tr, duration(f.resolution.p50Ms));
    cell(tr, `${f.breaches.firstReply} / ${f.breaches.resolution}`);
    cell(tr, String(f.escalations));
    body.appendChild(tr);
  }
}

// The tenants to choose from are those with SLA records kept; the one chosen stays listed even if it has none.
function fillTenants(summary) {
  const select = document.getElementById('tenant');
  const chosen = select.value;
  const names = [...new Set([...(summary.tenants ?? []), ...(chosen ? [chosen] : [])])].sort();
  const current = [...select.options].slice(1).map((o) => o.value);
  if (names.join('\n') !== current.join('\n')) {
    select.replaceChildren(select.options[0]);
    for (const name of names) {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = name;
      select.appendChild(option);
    }
    select.value = chosen;
  }
  document.getElementById('tenant-filter').hidden = names.length === 0;
  const byTenant = summary.byTenant ?? {};
  document.getElementById('tenants-section').hidden = Object.keys(byTenant).length === 0;
  fillBreakdown('by-tenant', byTenant);
}

function fillOpen(open) {
  const body = document.querySelector('#open tbody');
  body.replaceChildren();
  for (const t of open.tickets) {
    const tr = document.createElement('tr');
    tr.dataset.ticket = `${t.system}:${t.ticketId}`;
    cell(tr, `${t.system} #${t.ticketId}${t.round > 1 ? ` (round ${t.round})` : ''}${t.tenant ? ` · ${t.tenant}` : ''}`);
    cell(tr, t.status);
    cell(tr, t.waitingOn.replace('_', ' '));
    cell(tr, duration(t.inStateMs));
    cell(tr, duration(t.ageMs));
    body.appendChild(tr);
  }
  document.getElementById('open-note').textContent = open.truncated ? `Looked at the ${open.scanned} most recently changed tickets only.` : '';
}

function draw(id, config) {
  if (charts[id]) {
    charts[id].data = config.data;
    charts[id].update();
    return;
  }
  charts[id] = new Chart(document.getElementById(id), config);
}

const BASE = { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: true } } };
const minutes = (ms) => (ms === null ? null : Math.round((ms / 60_000) * 10) / 10);

function drawCharts(summary) {
  const reasons = Object.entries(summary.escalationsByReason).sort((a, b) => b[1] - a[1]);
  draw('chart-escalations', {
    type: 'bar',
    data: { labels: reasons.map(([r]) => r), datasets: [{ label: 'escalations', data: reasons.map(([, n]) => n), backgroundColor: '#d9822b' }] },
    options: { ...BASE, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  const kinds = [['first reply', summary.firstReply], ['waiting on user', summary.waiting], ['resolution', summary.resolution]];
  draw('chart-times', {
    type: 'bar',
    data: {
      labels: kinds.map(([k]) => k),
      datasets: [
        { label: 'p50', data: kinds.map(([, s]) => minutes(s.p50Ms)), backgroundColor: '#2b7bd9' },
        { label: 'p90', data: kinds.map(([, s]) => minutes(s.p90Ms)), backgroundColor: '#8fb8ea' },
      ],
    },
    // Seconds-long first replies and days-long waits on one axis: only a log scale shows both.
    options: { ...BASE, scales: { y: { type: 'logarithmic', title: { display: true, text: 'minutes' } } } },
  });
  draw('chart-days', {
    type: 'bar',
    data: {
      labels: summary.perDay.map((d) => d.day),
      datasets: [
        { label: 'resolved', data: summary.perDay.map((d) => d.resolved), backgroundColor: '#3a9d5d' },
        { label: 'escalated', data: summary.perDay.map((d) => d.escalated), backgroundColor: '#d9822b' },
        { label: 'other', data: summary.perDay.map((d) => d.tickets - d.resolved - d.escalated), backgroundColor: '#9aa3b2' },
      ],
    },
    options: { ...BASE, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${(await res.json().catch(() => ({}))).message ?? ''}`);
  return res.json();
}

async function load() {
  const status = document.getElementById('status');
  const since = document.getElementById('since').value;
  const tenant = document.getElementById('tenant').value;
  const only = tenant ? `tenant=${encodeURIComponent(tenant)}` : '';
  try {
    const [summary, open] = await Promise.all([getJson(`/sla/summary?since=${encodeURIComponent(since)}${only ? `&${only}` : ''}`), getJson(`/sla/open${only ? `?${only}` : ''}`)]);
    // A reply to an earlier choice, overtaken by a newer one: the newer one draws.
    if (tenant !== document.getElementById('tenant').value) return;
    fillTenants(summary);
    showFigures(summary, open);
    fillBreakdown('by-system', summary.bySystem);
    fillBreakdown('by-platform', summary.byPlatform);
    fillOpen(open);
    drawCharts(summary);
    const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' }).format(new Date());
    status.textContent = `updated ${time}; refreshes every ${refreshS} s`;
    status.className = 'muted';
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1);
    document.body.dataset.tenant = tenant;
  } catch (err) {
    status.textContent = `could not load: ${err.message}`;
    status.className = 'error';
  }
}

function chooseTenant() {
  const tenant = document.getElementById('tenant').value;
  const url = new URL(window.location.href);
  if (tenant) url.searchParams.set('tenant', tenant);
  else url.searchParams.delete('tenant');
  window.history.replaceState(null, '', url);
  load();
}

const initialTenant = params.get('tenant');
if (initialTenant) {
  const option = document.createElement('option');
  option.value = initialTenant;
  option.textContent = initialTenant;
  document.getElementById('tenant').appendChild(option);
  document.getElementById('tenant').value = initialTenant;
}
document.getElementById('since').addEventListener('change', load);
document.getElementById('tenant').addEventListener('change', chooseTenant);
load();
window.setInterval(load, refreshS * 1000);
