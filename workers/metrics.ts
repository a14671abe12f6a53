import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one process. Labels never carry a ticket id, an email or anything from a request
 * body: only the configured system name and a fixed refusal slug.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly webhookRefusals = new Counter({
    name: 'twofa_desk_webhook_refusals_total',
    help: 'Webhooks refused by the intake, by ticket system and reason',
    labelNames: ['system', 'reason'] as const,
    registers: [this.registry],
  });
  readonly webhookEvents = new Counter({
    name: 'twofa_desk_webhook_events_total',
    help: 'Workflow events queued from webhooks, by ticket system',
    labelNames: ['system'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'twofa_desk_' });
  }
}
