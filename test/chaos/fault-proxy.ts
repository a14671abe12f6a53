import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'error500' | 'rateLimited' | 'hang' | 'slowSuccess';

export interface FaultProxyOptions {
  /** where requests go when no fault is injected, e.g. http://127.0.0.1:3000 */
  target: string;
  /** share of requests that get a fault (0.3 = 30 %) */
  rate: number;
  /** the client's time-out: a hang and a slow success both outlast it */
  clientTimeoutMs: number;
  random?: () => number;
  /**
   * A rule of the ticket system that refuses a request whatever the attempt (a deleted group, a field a business rule
   * requires): the reason, answered as 422 before any fault is drawn, so a refused request never reaches the target.
   */
  refuse?: (req: { method: string; path: string; body: Buffer }) => string | undefined;
}

/**
 * An HTTP proxy in front of a ticket system that misbehaves like a real one on a bad day: 500s, 429s with
 * Retry-After, requests that hang past the client's time-out, and, worst of all, requests that succeed but
 * answer after the client gave up (the outcome is unknown to the caller). Its `refuse` rule says no to chosen
 * requests for good (422), as a ticket system's configuration does.
 */
export class FaultProxy {
  readonly injected: Record<Fault, number> = { error500: 0, rateLimited: 0, hang: 0, slowSuccess: 0 };
  requests = 0;
  /** requests the `refuse` rule answered 422 */
  refused = 0;
  private server: Server | undefined;
  private readonly random: () => number;
  private readonly held = new Set<ServerResponse>();

  constructor(private readonly opts: FaultProxyOptions) {
    this.random = opts.random ?? Math.random;
  }

  get faults(): number {
    return Object.values(this.injected).reduce((a, b) => a + b, 0);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private pick(): Fault | undefined {
    if (this.random() >= this.opts.rate) return undefined;
    const faults: Fault[] = ['error500', 'rateLimited', 'hang', 'slowSuccess'];
    return faults[Math.floor(this.random() * faults.length)];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const body = await readBody(req);
    const refusal = this.opts.refuse?.({ method: req.method ?? 'GET', path: new URL(req.url ?? '/', this.opts.target).pathname, body });
    if (refusal !== undefined) {
      this.refused++;
      res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'refused', message: refusal }));
      return;
    }
    const fault = this.pick();
    if (fault) this.injected[fault]++;
    switch (fault) {
      case 'error500':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal","message":"injected fault"}');
        return;
      case 'rateLimited':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":"rate_limited","message":"injected fault"}');
        return;
      case 'hang':
        this.hold(res, this.opts.clientTimeoutMs * 2);
        return;
      case 'slowSuccess': {
        const answer = await this.forward(req, body);
        await new Promise((r) => setTimeout(r, this.opts.clientTimeoutMs * 1.5));
        if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body);
        return;
      }
      default: {
        const answer = await this.forward(req, body);
        res.writeHead(answer.status, answer.headers).end(answer.body);
      }
    }
  }

  private hold(res: ServerResponse, ms: number): void {
    this.held.add(res);
    setTimeout(() => {
      this.held.delete(res);
      if (!res.destroyed) res.writeHead(504).end();
    }, ms).unref();
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const url = new URL(req.url ?? '/', this.opts.target);
    return new Promise((resolve) => {
      const out = request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
        void readBody(answer).then((b) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(answer.headers)) if (typeof v === 'string' && k !== 'content-length' && k !== 'connection') headers[k] = v;
          resolve({ status: answer.statusCode ?? 502, headers, body: b });
        });
      });
      out.on('error', () => resolve({ status: 502, headers: {}, body: Buffer.from('{"error":"bad_gateway","message":"target unreachable"}') }));
      out.end(body);
    });
  }
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

/** The bot update a request to the embedded desk carries (`POST …/tickets/:id/bot-update`), for `refuse` rules. */
export function botUpdateOf(req: { method: string; path: string; body: Buffer }): { ticketId: string; idempotencyKey: string; update: { status?: string; escalate?: boolean } } | undefined {
  const m = req.method === 'POST' ? /\/api\/tickets\/([^/]+)\/bot-update$/.exec(req.path) : null;
  if (!m) return undefined;
  try {
    const { update, idempotencyKey } = JSON.parse(req.body.toString('utf8')) as { update: { status?: string; escalate?: boolean }; idempotencyKey: string };
    return { ticketId: decodeURIComponent(m[1] as string), idempotencyKey, update };
  } catch {
    return undefined;
  }
}
