import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../integrations/ticketing/local/webhook-notifier.js';
import { TEST_WEBHOOK_SECRET } from '../support/local-desk.js';

/** A receiver that answers each webhook after a pause and counts how many it holds at once. */
function slowReceiver(pauseMs: number) {
  const seen = { delivered: new Set<string>(), inFlight: 0, maxInFlight: 0 };
  const server = createServer((req, res) => {
    seen.inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        seen.delivered.add((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ticketId: string }).ticketId);
        seen.inFlight--;
        res.writeHead(202).end();
      }, pauseMs);
    });
  });
  return { server, seen };
}

describe('the embedded desk webhook notifier', () => {
  let server: Server;
  let seen: ReturnType<typeof slowReceiver>['seen'];
  let url: string;

  beforeAll(async () => {
    ({ server, seen } = slowReceiver(20));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/local`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('holds at most maxInFlight requests open during a burst of many tickets, and delivers every one', async () => {
    const notifier = new WebhookNotifier({ webhookUrl: url, secret: TEST_WEBHOOK_SECRET, maxInFlight: 3 });
    for (let i = 1; i <= 40; i++) {
      notifier.notify([{ type: 'ticket.status_changed', ticketId: String(i), at: Date.now(), status: 'open', byRole: 'agent' }]);
    }
    await notifier.idle();
    await notifier.close();
    expect(seen.delivered.size).toBe(40);
    expect(seen.maxInFlight).toBe(3);
  });
});
