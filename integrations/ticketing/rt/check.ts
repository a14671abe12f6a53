import { runCheck, type CheckResult } from '../../shared/check-probe.js';
import { TicketingAuthFailed, TicketingError } from '../errors.js';
import { NO_LIMIT, RtClient } from './client.js';
import { loadRtConfig } from './config.js';

/**
 * `rt check`: reads the RT_* variables and tries, once each, the calls the adapter depends on. Each line says what
 * works or what is missing; no secret is printed.
 */
export async function checkRt(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  return runCheck(() => loadRtConfig(env), TicketingError, async ({ lines, fail, describe }, config) => {
    const how = config.credentials.kind === 'token' ? `auth token of ${config.credentials.user}` : `password of ${config.credentials.user}`;
    lines.push(`· ${config.baseUrl}/REST/2.0, ${how}, queue "${config.queue}", budget ${config.rateLimitPerMin} requests/min, poll every ${config.pollIntervalS} s`);
    const client = new RtClient({ baseUrl: config.baseUrl, credentials: config.credentials, limiter: NO_LIMIT, timeoutMs: config.timeoutMs, retries: 0 });
    try {
      try {
        const info = await client.info();
        lines.push(`✓ credentials work: RT ${info.Version}`);
      } catch (err) {
        const hint = err instanceof TicketingAuthFailed ? ' (RT_TOKEN: the user\'s Auth Tokens page; RT_PASSWORD: the user\'s password)' : '';
        fail(`credentials: ${describe(err)}${hint}`);
        return;
      }
      try {
        const bot = await client.getUser(config.credentials.user);
        if (!bot.Privileged) fail(`RT_USER ${bot.Name} is not privileged: the bot needs "Let this user be granted rights" to comment and change tickets`);
        else lines.push(`✓ RT_USER ${bot.Name} is a privileged user`);
      } catch (err) {
        fail(`RT_USER ${config.credentials.user}: ${describe(err)}`);
      }
      let queueId: string | undefined;
      try {
        const queue = await client.getQueue(config.queue);
        queueId = queue.id;
        lines.push(`✓ queue #${queue.id} "${queue.Name}" is visible to the bot`);
      } catch (err) {
        fail(`RT_QUEUE ${config.queue}: ${describe(err)} (the bot needs SeeQueue on it)`);
      }
      if (queueId !== undefined) {
        const field = config.watchField !== undefined ? ` AND 'CF.{${config.watchField}}' = '${(config.watchValue ?? '').replace(/'/g, "\\'")}'` : '';
        try {
          const found = await client.searchTickets(`Queue = ${queueId} AND Status = '__Active__'${field}`);
          lines.push(`✓ search works: ${found.length} active watched ticket(s) now`);
          const first = found[0];
          if (config.watchField !== undefined && first) {
            const ticket = await client.getTicket(first.id);
            if (!ticket.CustomFields.some((f) => f.name.toLowerCase() === config.watchField?.toLowerCase())) fail(`RT_WATCH_FIELD "${config.watchField}" is not on ticket #${first.id}: apply the field to the queue and give the bot SeeCustomField`);
            else lines.push(`✓ custom field "${config.watchField}" is on the queue's tickets`);
          }
        } catch (err) {
          fail(`search (GET /REST/2.0/tickets): ${describe(err)}`);
        }
      }
      if (config.watchField === undefined) lines.push('· RT_WATCH_FIELD is not set: every ticket of the queue is the bot\'s, and it writes no end markers');
      if (config.escalationQueue === undefined && config.escalationOwner === undefined) {
        fail('neither RT_ESCALATION_QUEUE nor RT_ESCALATION_OWNER is set: escalated tickets stay in the queue with a comment only');
      } else if (config.escalationQueue !== undefined) {
        try {
          const q = await client.getQueue(config.escalationQueue);
          lines.push(`✓ escalation queue #${q.id} "${q.Name}"`);
        } catch (err) {
          fail(`RT_ESCALATION_QUEUE ${config.escalationQueue}: ${describe(err)} (the bot needs SeeQueue and CreateTicket there)`);
        }
      }
      if (config.escalationOwner !== undefined) {
        try {
          const owner = await client.getUser(config.escalationOwner);
          lines.push(`✓ escalation owner ${owner.Name}`);
        } catch (err) {
          fail(`RT_ESCALATION_OWNER ${config.escalationOwner}: ${describe(err)}`);
        }
      }
      lines.push(
        config.webhookSecret !== undefined
          ? '✓ RT_WEBHOOK_SECRET is set: the Scrip\'s notifications to POST <intake URL>/webhooks/rt are verified with it'
          : '· RT_WEBHOOK_SECRET is not set: the poller alone reads RT (the Scrip\'s notifications are refused)',
      );
    } finally {
      client.close();
    }
  });
}
