import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { OpsDeps } from './ops-deps.js';

/** The page only talks to this server: no CDN (production machines may have no internet), no inline script. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface Asset {
  body: Buffer;
  type: string;
}

async function loadAssets(): Promise<Record<string, Asset>> {
  const here = join(dirname(fileURLToPath(import.meta.url)), 'dashboard');
  // chart.js does not export its UMD build as a subpath: find the package and take the file beside its entry.
  const chartDist = dirname(createRequire(import.meta.url).resolve('chart.js'));
  return {
    'index.html': { body: await readFile(join(here, 'index.html')), type: 'text/html; charset=utf-8' },
    'dashboard.js': { body: await readFile(join(here, 'dashboard.js')), type: 'text/javascript; charset=utf-8' },
    'dashboard.css': { body: await readFile(join(here, 'dashboard.css')), type: 'text/css; charset=utf-8' },
    'chart.umd.min.js': { body: await readFile(join(chartDist, 'chart.umd.min.js')), type: 'text/javascript; charset=utf-8' },
  };
}

/**
 * `GET /dashboard`: an HTML page with the SLA figures, charts and open tickets, refreshing itself from
 * `/sla/summary` and `/sla/open`. Every file is behind the operations guard, like the data it shows.
 */
export async function register(app: FastifyInstance, deps: OpsDeps): Promise<void> {
  const assets = await loadAssets();
  const serve = (name: string) => async (req: Parameters<OpsDeps['access']>[0], reply: Parameters<OpsDeps['access']>[1]) => {
    if (!(await deps.access(req, reply))) return reply;
    const asset = assets[name];
    if (!asset) return reply.code(404).send({ error: 'not_found', message: `no dashboard file ${name}` });
    return reply.header('content-type', asset.type).header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').send(asset.body);
  };
  app.get('/dashboard', serve('index.html'));
  app.get('/dashboard/', serve('index.html'));
  for (const name of ['dashboard.js', 'dashboard.css', 'chart.umd.min.js']) app.get(`/dashboard/${name}`, serve(name));
}
