import type { WorkflowEvent } from './events.js';
import { languageOfLocale } from './language.js';
import { detectLanguage } from './language-detect.js';
import type { TicketSnapshot } from './model.js';
import { newPartOfReply } from './reply-parser.js';
import type { WorkflowState } from './state.js';

/*
 * The language of the replies to the requester (docs/languages.md):
 * 1. the requester's locale as the ticket system keeps it (Zendesk's, Jira's, ServiceNow's, the embedded desk's):
 *    the desk vouches for it, so it is fixed for the ticket's life, whatever language a reply is written in;
 * 2. else the language of the requester's own words: their first message (the ticket's description, where the desk
 *    keeps it as a field and the snapshot carries it) or, when it cannot tell, the first comment of theirs whose
 *    language can be told (a reply with only codes cannot) fixes it for the ticket, so a later "ok merci" from a
 *    bilingual requester does not switch languages mid-conversation;
 * 3. until then the ticket's subject, when it tells (the first reply is written before the requester writes again),
 *    and else the policy's language (defaultReplyLanguage).
 * Only the language code is kept: the text the detector reads is in memory only, as every comment text.
 */

/**
 * What the ticket tells when the workflow starts: the requester's locale, else their first message's language, else
 * its subject's as a first guess.
 */
export function languageAtStart(ticket: TicketSnapshot): Pick<WorkflowState, 'language' | 'languageFrom'> {
  const fromLocale = languageOfLocale(ticket.requester.locale);
  if (fromLocale) return { language: fromLocale, languageFrom: 'locale' };
  const fromMessage = ticket.description !== undefined ? detectLanguage(newPartOfReply(ticket.description)) : undefined;
  if (fromMessage) return { language: fromMessage, languageFrom: 'message' };
  const fromSubject = detectLanguage(ticket.subject);
  return fromSubject ? { language: fromSubject, languageFrom: 'subject' } : {};
}

/** A comment of the requester's: their words decide the language, unless the locale or an earlier comment already did. */
export function noticeLanguage(s: WorkflowState, e: WorkflowEvent): void {
  if (e.type !== 'commentAdded' || e.authorRole !== 'requester' || !e.text) return;
  if (s.languageFrom === 'locale' || s.languageFrom === 'message') return;
  const language = detectLanguage(newPartOfReply(e.text));
  if (!language) return;
  s.language = language;
  s.languageFrom = 'message';
}
