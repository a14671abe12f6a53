import type { TicketStatus } from '../../../workflows/resync/index.js';
import type { RtAttachment } from './schemas.js';

/**
 * The text of each transaction from a ticket's attachments. A mail arrives as a tree (a multipart container with no
 * content, a text/plain part, a text/html part, files): the first non-empty text/plain part is the message; a mail
 * with HTML only is read as its text. RT has decoded base64 and quoted-printable parts already.
 */
export function textsByTransaction(attachments: readonly RtAttachment[]): Map<string, string> {
  const plain = new Map<string, string>();
  const html = new Map<string, string>();
  for (const a of attachments) {
    if (a.Content.trim() === '') continue;
    if (a.ContentType.startsWith('text/plain') && !plain.has(a.TransactionId)) plain.set(a.TransactionId, a.Content);
    else if (a.ContentType.startsWith('text/html') && !html.has(a.TransactionId)) html.set(a.TransactionId, htmlToText(a.Content));
  }
  for (const [txn, text] of html) if (!plain.has(txn)) plain.set(txn, text);
  return plain;
}

/** Good enough to read codes and words out of an HTML-only mail; never rendered anywhere. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|li|tr|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .trim();
}

/**
 * RT's default lifecycle to the workflow's statuses: `stalled` waits (pending), `resolved` is solved, `rejected` and
 * `deleted` are closed. A status of a custom lifecycle the bot does not know counts as open.
 */
export function statusFromRt(status: string): TicketStatus {
  switch (status.toLowerCase()) {
    case 'new':
      return 'new';
    case 'stalled':
      return 'pending';
    case 'resolved':
      return 'solved';
    case 'rejected':
    case 'deleted':
      return 'closed';
    default:
      return 'open';
  }
}

/** The workflow's statuses in RT's default lifecycle (the workflow itself only asks for open and solved). */
export function statusToRt(status: TicketStatus): string {
  switch (status) {
    case 'new':
      return 'new';
    case 'pending':
    case 'hold':
      return 'stalled';
    case 'solved':
    case 'closed':
      return 'resolved';
    default:
      return 'open';
  }
}
