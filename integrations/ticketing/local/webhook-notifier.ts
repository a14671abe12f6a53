import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, request } from 'undici';
import type { Logger } from 'pino';
import { parseRetryAfterMs } from '../../shared/http-retry.js';
import type { DeskNotifier } from './desk-store.js';
import { WebhookPayloadSchema, type DeskChange, type WebhookPayload } from './schemas.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signDeskWebhook } from './webhook-signature.js';

export interface WebhookNotifierOptions {
  /** where notifications go (the intake's `/webhooks/local`); none: nothing is sent */
  webhookUrl?: string | undefined;
  /** shared with the receiver, which checks the signature */
  secret: string;
  log?: Logger;
  /** tries per notification, the first included (default 4) */
  maxAttempts?: number;
  /** wait before the first retry, doubled for each next one, with jitter (default 250 ms) */
  retryDelayMs?: number;
  /** the longest Retry-After honoured; a receiver asking for more gets this (default 30 s) */
  maxRetryAfterMs?: number;
  /** per request (default 5 s) */
  timeoutMs?: number;
  /**
   * requests in flight at most (default 32). Without a bound a burst of changes (thousands of tickets created at
   * once) opens as many requests, which all outlive their time-out at the receiver and are sent again.
   */
  maxInFlight?: number;
  now?: () => number;
}

/**
 * Sends each desk change as a signed webhook, like a hosted ticket system would. Delivery is best effort and
 * never holds up the write that caused it: a notification lost after its retries is picked up by the poller.
 * Notifications for one ticket go out in the order of the writes, so a receiver sees a ticket created
 * before its first comment; different tickets do not wait for each other.
 */
export class WebhookNotifier implements DeskNotifier {
  private readonly url: string | undefined;
  private readonly secret: string;
  private readonly log: Logger | undefined;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly now: () => number;
  /** undici, keep-alive: a webhook per change of every ticket (axios's per-request work cost more than the send) */
  private readonly agent = new Agent({ keepAliveTimeout: 10_000 });
  private readonly timeoutMs: number;
  private readonly stop = new AbortController();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly inFlight: LimitFunction;

  constructor(opts: WebhookNotifierOptions) {
    // One signal cancels every delivery in flight at shutdown: as many listeners as deliveries is expected.
    setMaxListeners(0, this.stop.signal);
    this.url = opts.webhookUrl;
    this.secret = opts.secret;
    this.log = opts.log?.child({ component: 'desk-webhooks' });
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
    this.retryDelayMs = opts.retryDelayMs ?? 250;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.inFlight = pLimit(Math.max(1, opts.maxInFlight ?? 32));
    this.timeoutMs = opts.timeoutMs ?? 5_000;
  }

  /** One webhook for the changes of one write (of one ticket), as a hosted desk's trigger fires once per update. */
  notify(changes: DeskChange[]): void {
    const first = changes[0];
    if (first === undefined || this.url === undefined || this.stop.signal.aborted) return;
    const { ticketId } = first;
    const payload = WebhookPayloadSchema.parse({ deliveryId: randomUUID(), ticketId, at: first.at, changes });
    const rawBody = JSON.stringify(payload);
    const previous = this.queues.get(ticketId) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(payload, rawBody));
    this.queues.set(ticketId, next);
    void next.then(() => {
      if (this.queues.get(ticketId) === next) this.queues.delete(ticketId);
    });
  }

  /** Resolves once every notification queued so far was delivered or given up. */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  /** Stops retrying and waits for requests in flight to end; changes after this are not sent. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.idle();
    await this.agent.destroy();
  }

  private async deliver(payload: WebhookPayload, rawBody: string): Promise<void> {
    const url = this.url;
    if (url === undefined) return;
    const meta = { deliveryId: payload.deliveryId, types: payload.changes.map((c) => c.type), ticketId: payload.ticketId };
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (this.stop.signal.aborted) return;
      let problem: string;
      let retryAfterMs: number | undefined;
      try {
        // Signed afresh on every try: a retry carries a current timestamp, so the receiver's age check passes.
        const res = await this.inFlight(async () => {
          const timestamp = String(this.now());
          // The body is signed as bytes: it is sent as the very string that was signed.
          const sent = await request(url, {
            method: 'POST',
            dispatcher: this.agent,
            signal: this.stop.signal,
            headersTimeout: this.timeoutMs,
            bodyTimeout: this.timeoutMs,
            body: rawBody,
            headers: {
              'content-type': 'application/json',
              [SIGNATURE_HEADER]: signDeskWebhook(this.secret, timestamp, rawBody),
              [TIMESTAMP_HEADER]: timestamp,
              [DELIVERY_HEADER]: payload.deliveryId,
            },
          });
          await sent.body.dump(); // frees the connection for the next webhook
          const retryAfter = sent.headers['retry-after'];
          return { status: sent.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined };
        });
        if (res.status >= 200 && res.status < 300) {
          this.log?.debug({ ...meta, attempt }, 'desk webhook delivered');
          return;
        }
        problem = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          this.log?.warn({ ...meta, attempt, status: res.status }, 'desk webhook refused by the receiver; not retried');
          return;
        }
        if (res.status === 429) retryAfterMs = parseRetryAfterMs(res.retryAfter, this.now());
      } catch (err) {
        if (this.stop.signal.aborted) return;
        problem = describe(err);
      }
      if (attempt === this.maxAttempts) {
        this.log?.warn({ ...meta, attempts: attempt, problem }, 'desk webhook dropped after its retries; the poller will find the change');
        return;
      }
      const backoff = this.retryDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      const wait = Math.min(retryAfterMs ?? backoff, this.maxRetryAfterMs);
      this.log?.debug({ ...meta, attempt, problem, retryInMs: Math.round(wait) }, 'desk webhook failed; retrying');
      try {
        await sleep(wait, undefined, { signal: this.stop.signal });
      } catch {
        return;
      }
    }
  }
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}
