import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Counts every request the workers make to the desk's API, by ticket id and by route (ids replaced by `:id`). */
export class CountingProxy {
  readonly byTicket = new Map<string, Map<string, number>>();
  readonly other = new Map<string, number>();
  /** every request path per ticket, in order (to see which comment was read twice) */
  readonly paths = new Map<string, string[]>();
  private server: Server | undefined;

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.count(req);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', this.target);
        const fwd = request(url, { method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        fwd.on('error', () => res.writeHead(502).end());
        fwd.end(Buffer.concat(chunks));
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private count(req: IncomingMessage): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const m = /\/tickets\/([^/]+)/.exec(path);
    const route = `${req.method ?? 'GET'} ${path.replace(/^\/desk/, '').replace(/\/tickets\/[^/]+/, '/tickets/:id').replace(/\/comments\/[^/]+/, '/comments/:id')}`;
    if (!m?.[1]) {
      this.other.set(route, (this.other.get(route) ?? 0) + 1);
      return;
    }
    this.paths.set(m[1], [...(this.paths.get(m[1]) ?? []), `${req.method ?? 'GET'} ${path}`]);
    const per = this.byTicket.get(m[1]) ?? new Map<string, number>();
    per.set(route, (per.get(route) ?? 0) + 1);
    this.byTicket.set(m[1], per);
  }
}
