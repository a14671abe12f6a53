import { RT_AGENT, RT_NAME, RT_QUEUE, RT_ROOT, type RunningRt } from './rt-server.js';

/** A mail as a mail client would send it: plain, or multipart/alternative with a base64 text part and an HTML part. */
export function mailOf(o: { from: { name: string; email: string }; subject: string; text: string; style?: 'plain' | 'multipart'; messageId?: string }): string {
  const head = [`From: ${o.from.name} <${o.from.email}>`, `To: rt@twofa.test`, `Subject: ${o.subject}`, `Message-ID: <${o.messageId ?? `${Date.now()}.${Math.random().toString(36).slice(2)}@mail.test`}>`, 'MIME-Version: 1.0'];
  if (o.style !== 'multipart') return [...head, 'Content-Type: text/plain; charset=utf-8', '', o.text, ''].join('\n');
  const b64 = Buffer.from(o.text, 'utf8').toString('base64').replace(/(.{76})/g, '$1\n');
  const html = `<html><body><p>${o.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\n/g, '<br>')}</p></body></html>`;
  return [
    ...head,
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    b64,
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '--b1--',
    '',
  ].join('\n');
}

/**
 * Drives a test RT as its people do: end users by mail (RT's mail gateway, what rt-mailgate posts to), agents and
 * root through REST 2.0 with their passwords. Reads go as root, past the adapter.
 */
export class RtTestDesk {
  constructor(readonly rt: RunningRt) {}

  /** Posts a mail to RT's mail gateway; returns the ticket id RT names in its answer. */
  async mail(message: string, action: 'correspond' | 'comment' = 'correspond', queue = RT_QUEUE): Promise<string> {
    const form = new FormData();
    form.set('queue', queue);
    form.set('action', action);
    form.set('message', message);
    const res = await fetch(`${this.rt.url}/REST/1.0/NoAuth/mail-gateway`, { method: 'POST', body: form });
    const text = await res.text();
    if (!res.ok || !text.startsWith('ok')) throw new Error(`RT's mail gateway answered ${res.status}: ${text.slice(0, 300)}\n${await this.rt.logTail(10)}`);
    const id = /Ticket: (\d+)/.exec(text)?.[1];
    return id ?? '';
  }

  /** A new ticket from an end user's mail; the id is found by the mail's subject when the gateway does not say it. */
  async createByMail(o: { from: { name: string; email: string }; subject: string; text: string; style?: 'plain' | 'multipart'; queue?: string }): Promise<string> {
    const id = await this.mail(mailOf(o), 'correspond', o.queue ?? RT_QUEUE);
    if (id) return id;
    const found = (await this.api('GET', `/tickets?query=${encodeURIComponent(`Subject = '${o.subject.replace(/'/g, "\\'")}'`)}&orderby=id&order=DESC`, undefined, RT_ROOT)) as { items: Array<{ id: string }> };
    const first = found.items[0]?.id;
    if (!first) throw new Error(`no ticket made from the mail "${o.subject}"`);
    return String(first);
  }

  /** The requester answering by mail: RT finds the ticket by "[twofa-test #id]" in the subject. */
  async replyByMail(ticketId: string, from: { name: string; email: string }, text: string, style: 'plain' | 'multipart' = 'plain'): Promise<void> {
    await this.mail(mailOf({ from, subject: `Re: [${RT_NAME} #${ticketId}] 2FA`, text, style }));
  }

  async api(method: string, path: string, body?: unknown, who: { name: string; password: string } = RT_ROOT): Promise<unknown> {
    const res = await fetch(`${this.rt.url}/REST/2.0${path}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(`${who.name}:${who.password}`).toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} as ${who.name}: ${res.status} ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  agentMessage(ticketId: string, kind: 'correspond' | 'comment', text: string, extra: Record<string, unknown> = {}): Promise<unknown> {
    return this.api('POST', `/ticket/${ticketId}/${kind}`, { Content: text, ContentType: 'text/plain', ...extra }, RT_AGENT);
  }

  agentUpdate(ticketId: string, changes: Record<string, unknown>): Promise<unknown> {
    return this.api('PUT', `/ticket/${ticketId}`, changes, RT_AGENT);
  }

  async ticket(ticketId: string): Promise<{ Status: string; Queue: { id: string }; Owner: { id: string }; CustomFields: Array<{ name: string; values: string[] }>; Requestor: Array<{ id: string }> }> {
    return (await this.api('GET', `/ticket/${ticketId}`)) as never;
  }

  async fieldValues(ticketId: string, field: string): Promise<string[]> {
    return (await this.ticket(ticketId)).CustomFields.find((f) => f.name === field)?.values ?? [];
  }

  /** The ticket's correspondence and comments as RT keeps them: type, author and the text part. */
  async messages(ticketId: string): Promise<Array<{ id: string; type: string; creator: string; text: string }>> {
    const out: Array<{ id: string; type: string; creator: string; text: string }> = [];
    const history = await this.all<{ id: string; Type: string; Creator: { id: string } }>(`/ticket/${ticketId}/history`, 'Type,Creator');
    const atts = await this.all<{ TransactionId: string; ContentType: string; Content: string }>(`/ticket/${ticketId}/attachments`, 'TransactionId,ContentType,Content');
    for (const t of history) {
      if (t.Type !== 'Correspond' && t.Type !== 'Comment') continue;
      const text = atts.find((a) => a.TransactionId === t.id && a.ContentType === 'text/plain')?.Content ?? '';
      out.push({ id: t.id, type: t.Type, creator: t.Creator.id, text });
    }
    return out;
  }

  async queueId(name: string): Promise<string> {
    return String(((await this.api('GET', `/queue/${encodeURIComponent(name)}`)) as { id: string | number }).id);
  }

  private async all<T>(path: string, fields: string): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const res = (await this.api('GET', `${path}?per_page=100&page=${page}&fields=${fields}`)) as { items: T[] };
      if (res.items.length === 0) return out;
      out.push(...res.items);
    }
  }
}
