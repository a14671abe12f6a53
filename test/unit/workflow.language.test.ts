import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';
import { tenantPolicy } from '../../workers/tenants/tenant-policy.js';
import { detectLanguage } from '../../workflows/resync/language-detect.js';
import { templateOverrideProblems } from '../../workflows/resync/language-overrides.js';
import { LANGUAGES, languageOfLocale, normaliseLocale } from '../../workflows/resync/language.js';
import { CATALOGUES, ENGLISH_REPLIES, type ReplyName } from '../../workflows/resync/messages/index.js';
import { parsePolicy, type PolicyInput } from '../../workflows/resync/policy.js';
import { newPartOfReply, parseReply } from '../../workflows/resync/reply-parser.js';
import { DEFAULT_TEMPLATES, TEMPLATE_NAMES, render } from '../../workflows/resync/templates.js';
import { RETEST_ROWS, CODE_ROWS } from '../support/reply-corpus.js';
import { CODES, Desk, makeTicket, otpDesk } from './workflow.harness.js';

const internal = (name: string): boolean => /^(note|fact|why|next|runbook)_/.test(name);
const REPLY_NAMES = Object.keys(ENGLISH_REPLIES) as ReplyName[];
const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? ''))].sort();
const ALL_VARS = { firstName: 'Jonas', tokenType: 'KT-4', codeLength: 8, challenge: 'ABCDE' };

/** The words a language's re-test ask tells the requester to write, in its own quotation marks. */
function askedWords(text: string): string[] {
  return [...text.matchAll(/[„«"]\s?([^“»"]+?)\s?[“»"]/g)].map((m) => m[1] ?? '');
}

describe('the catalogues', () => {
  it('hold every reply the requester reads, and no note', () => {
    expect(REPLY_NAMES.sort()).toEqual(TEMPLATE_NAMES.filter((n) => !internal(n)).sort());
    for (const language of LANGUAGES) expect(Object.keys(CATALOGUES[language]).sort(), language).toEqual([...REPLY_NAMES].sort());
  });

  it.each(LANGUAGES)('%s: every reply has the English placeholders, no digit, and is its own text', (language) => {
    for (const name of REPLY_NAMES) {
      const text = CATALOGUES[language][name];
      expect(placeholders(text), `${language}.${name}`).toEqual(placeholders(ENGLISH_REPLIES[name]));
      expect(text, `${language}.${name}`).not.toMatch(/\d/);
      if (language !== 'en') expect(text, `${language}.${name}`).not.toBe(ENGLISH_REPLIES[name]);
    }
  });

  it.each(LANGUAGES)('%s: the words the re-test asks for are read as "works" and "fails"', (language) => {
    for (const name of ['ask_retest', 'ask_retest_in_sync', 'reminder_retest', 'retest_unclear'] as const) {
      const words = askedWords(CATALOGUES[language][name]);
      expect(words, `${language}.${name}`).toHaveLength(2);
      const [works = '', fails = ''] = words;
      expect(parseReply(works, { kind: 'retest' }), `${language}: ${works}`).toEqual({ kind: 'retest', outcome: 'works' });
      expect(parseReply(fails, { kind: 'retest' }), `${language}: ${fails}`).toEqual({ kind: 'retest', outcome: 'fails' });
    }
  });

  it.each(LANGUAGES)('%s: the detector tells every reply of the catalogue as its language', (language) => {
    for (const name of REPLY_NAMES) {
      const detected = detectLanguage(CATALOGUES[language][name]);
      expect([language, undefined], `${language}.${name}`).toContain(detected);
    }
    expect(REPLY_NAMES.filter((n) => detectLanguage(CATALOGUES[language][n]) === language).length).toBeGreaterThan(REPLY_NAMES.length * 0.8);
  });
});

describe('render', () => {
  const policy = parsePolicy();

  it.each(LANGUAGES)('%s: fills every placeholder and leaves no braces', (language) => {
    for (const name of REPLY_NAMES) expect(render(name, ALL_VARS, policy, language), `${language}.${name}`).not.toMatch(/[{}]/);
    expect(render('ask_response', ALL_VARS, policy, language)).toContain('ABCDE');
  });

  it('greets by first name, and without a name in the languages that have no "there"', () => {
    expect(render('ask_codes', { firstName: 'there' }, policy, 'en')).toMatch(/^Hello there,/);
    expect(render('ask_codes', { firstName: 'there' }, policy, 'de')).toMatch(/^Hallo,\n/);
    expect(render('ask_codes', { firstName: 'there' }, policy, 'fr')).toMatch(/^Bonjour,\n/);
    expect(render('ask_codes', { firstName: 'Jonas' }, policy, 'de')).toMatch(/^Hallo Jonas,\n/);
  });

  it('keeps values as data: no nesting, no interpolation inside a value, no escaping', () => {
    const reply = render('ask_response', { firstName: '$t(escalated)', tokenType: '{{codeLength}} <b>', codeLength: 8, challenge: 'A&B' }, policy, 'fr');
    expect(reply).toContain('Bonjour $t(escalated),');
    expect(reply).toContain('jeton {{codeLength}} <b>');
    expect(reply).toContain('A&B');
  });

  it('uses the operator’s text for the reply’s language, and the catalogue for the others', () => {
    const custom = parsePolicy({ templates: { de: { escalated: 'Ein Kollege meldet sich.' }, nl: { ask_codes: 'Hoi {{firstName}}, twee codes van {{codeLength}} cijfers graag.' } } });
    expect(render('escalated', {}, custom, 'de')).toBe('Ein Kollege meldet sich.');
    expect(render('escalated', {}, custom, 'fr')).toBe(CATALOGUES.fr.escalated);
    expect(render('ask_codes', { firstName: 'Sanne', codeLength: 6 }, custom, 'nl')).toBe('Hoi Sanne, twee codes van 6 cijfers graag.');
  });

  it('writes notes in the deployment’s language whatever the requester’s', () => {
    const german = parsePolicy({ language: 'de', templates: { de: { note_rejected: 'Abgelehnt für {{user}}.' } } });
    expect(render('note_rejected', { user: 'alice' }, german, 'fr')).toBe('Abgelehnt für alice.');
    expect(render('note_timed_out', { since: 'x', reminders: 2 }, parsePolicy(), 'es')).toBe(DEFAULT_TEMPLATES.note_timed_out.replace('{{since}}', 'x').replace('{{reminders}}', '2'));
  });
});

describe('locales', () => {
  it.each([
    ['de', 'de', 'de'],
    ['fr-CA', 'fr-CA', 'fr'],
    ['en-us', 'en-us', 'en'],
    ['es_419', 'es-419', 'es'],
    ['NL', 'NL', 'nl'],
    ['pt-BR', 'pt-BR', undefined],
    ['not a locale', undefined, undefined],
    ['d', undefined, undefined],
  ] as const)('%j is kept as %j and replied to in %j', (raw, kept, language) => {
    expect(normaliseLocale(raw)).toBe(kept);
    expect(languageOfLocale(normaliseLocale(raw))).toBe(language);
  });
});

describe('detectLanguage', () => {
  it.each([
    ['Hier sind die Codes, bitte', 'de'],
    ['2FA-Code funktioniert nicht', 'de'],
    ['Mon code ne marche pas', 'fr'],
    ['Het werkt nog steeds niet', 'nl'],
    ['Sigue sin funcionar', 'es'],
    ['My code does not work', 'en'],
    ['287082 359152', undefined],
    ['ok', undefined],
    ['Não funciona, obrigado', undefined],
  ] as const)('%j → %j', (text, language) => {
    expect(detectLanguage(text)).toBe(language);
  });

  it('never names a wrong language on the reply corpus, and tells most replies written in words', () => {
    const rows = [...RETEST_ROWS, ...CODE_ROWS].map((row) => ({ row, detected: detectLanguage(newPartOfReply(row.text)) }));
    expect(rows.filter(({ row, detected }) => detected !== undefined && detected !== row.lang).map(({ row, detected }) => `${row.id}: ${detected}`)).toEqual([]);
    const retest = rows.filter(({ row }) => row.expectation.kind === 'retest');
    expect(retest.filter(({ detected }) => detected !== undefined).length).toBeGreaterThan(retest.length * 0.6);
  });
});

/** A desk whose requester has this locale and whose ticket has this subject (and first message, as a description). */
function deskFor(opts: { locale?: string; subject?: string; description?: string; policy?: PolicyInput } = {}): Desk {
  const base = makeTicket();
  const ticket = makeTicket({
    subject: opts.subject ?? base.subject,
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    requester: { ...base.requester, ...(opts.locale ? { locale: opts.locale } : {}) },
  });
  return new Desk(parsePolicy(opts.policy ?? {}), ticket);
}

describe('the reply language of a ticket', () => {
  it('is the requester’s locale, for every reply of the round, while notes stay in the deployment’s language', () => {
    const desk = otpDesk(deskFor({ locale: 'de-AT' }));
    expect(desk.s).toMatchObject({ language: 'de', languageFrom: 'locale' });
    expect(desk.update().publicReply).toBe(render('ask_codes', { firstName: 'Alice', codeLength: 6 }, desk.policy, 'de'));
    expect(desk.update().internalNote).toMatch(/^\[twofa-desk\] Waiting for the requester's codes\./);
    desk.reply(`Hier sind die Codes: ${CODES.first} ${CODES.second}`);
    desk.result('resyncSucceeded', {});
    expect(desk.update().publicReply).toBe(CATALOGUES.de.ask_retest);
    desk.reply('Ja, funktioniert, danke!');
    expect(desk.s.status).toBe('resolved');
    expect(desk.update().publicReply).toBe(CATALOGUES.de.resolved);
  });

  it('stays the locale’s when the requester writes another language: the desk vouches for it', () => {
    const desk = otpDesk(deskFor({ locale: 'en-US', subject: 'Anmeldung funktioniert nicht' }));
    desk.reply('Hallo, ich habe leider keine Codes, die App ist weg.');
    expect(desk.s.language).toBe('en');
    expect(desk.update().publicReply).toBe(CATALOGUES.en.codes_problem_no_codes.replace('{{codeLength}}', '6'));
  });

  it('without a locale, is the subject’s first, then the requester’s own words, fixed from then on', () => {
    const desk = otpDesk(deskFor({ subject: 'Mon code ne marche pas' }));
    expect(desk.s).toMatchObject({ language: 'fr', languageFrom: 'subject' });
    expect(desk.update().publicReply).toMatch(/^Bonjour Alice,/);
    desk.reply('Hola, no tengo los códigos todavía, la aplicación no se abre.');
    expect(desk.s).toMatchObject({ language: 'es', languageFrom: 'message' });
    expect(desk.update().publicReply).toBe(CATALOGUES.es.codes_problem_no_codes.replace('{{codeLength}}', '6'));
    desk.reply('Ok, merci, je vous envoie les codes bientôt.');
    expect(desk.s.language).toBe('es');
  });

  it('without a locale, is the first message’s (the description) before the subject’s, fixed like a comment’s', () => {
    const desk = otpDesk(deskFor({ subject: '2FA code not working', description: 'Guten Tag, mein Code funktioniert nicht mehr und ich kann mich nicht anmelden.' }));
    expect(desk.s).toMatchObject({ language: 'de', languageFrom: 'message' });
    expect(desk.update().publicReply).toBe(render('ask_codes', { firstName: 'Alice', codeLength: 6 }, desk.policy, 'de'));
    desk.reply('Ok, merci, je vous envoie les codes bientôt.');
    expect(desk.s.language).toBe('de');
  });

  it('reads the first message’s own words only: the subject decides when it cannot tell, and a locale outranks it', () => {
    const quoted = `${CODES.first}\n\nOn Mon, 3 Nov 2026, IT wrote:\n> Please send us the codes, thank you, we are here to help`;
    expect(otpDesk(deskFor({ subject: 'Mon code ne marche pas', description: quoted })).s).toMatchObject({ language: 'fr', languageFrom: 'subject' });
    expect(otpDesk(deskFor({ locale: 'nl', subject: 'Login', description: 'Hola, mi código no funciona y no puedo iniciar sesión.' })).s).toMatchObject({ language: 'nl', languageFrom: 'locale' });
  });

  it('is not taken from a reply that holds only codes, nor from an agent’s note or the quoted history', () => {
    const desk = otpDesk(deskFor({ subject: 'VPN' }));
    expect(desk.s.language).toBeUndefined();
    desk.agentNote('Bitte die Codes schicken, danke, ich kümmere mich darum');
    expect(desk.s.language).toBeUndefined();
    desk.reply(`${CODES.first} ${CODES.second}\n\nAm Mo., 3. Nov. 2026 um 10:02 schrieb IT Helpdesk <helpdesk@example.com>:\n> Bitte senden Sie die Codes, danke, wir sind hier für Sie da`);
    expect(desk.s.language).toBeUndefined();
    expect(desk.s.status).toBe('resyncing');
  });

  it('defaults to the policy’s language, and to English when the bot does not reply in it', () => {
    expect(otpDesk(deskFor({ subject: 'VPN', policy: { language: 'nl' } })).update().publicReply).toMatch(/^Hallo Alice,\n\nWe zorgen/);
    expect(otpDesk(deskFor({ subject: 'VPN', locale: 'pt-BR', policy: { language: 'it' } })).update().publicReply).toMatch(/^Hello Alice,/);
  });
});

describe('operator overrides, checked at start-up', () => {
  it('accepts texts with the catalogue’s placeholders, in any reply language, and notes', () => {
    expect(templateOverrideProblems(parsePolicy({ templates: { fr: { ask_codes: 'Salut {{firstName}} : deux codes de {{ codeLength }} chiffres.' }, en: { note_rejected: 'No for {{user}}.' } } }))).toEqual([]);
  });

  it('names the language, template and placeholder of each problem', () => {
    const problems = templateOverrideProblems(
      parsePolicy({
        templates: {
          de: { ask_codes: 'Hallo {{firstName}}, zwei Codes bitte.', escalated: 'Hallo {{firstName}}.', greeting: 'Hallo' },
          it: { escalated: 'Un collega risponde.' },
        },
      }),
    );
    expect(problems).toEqual([
      { language: 'de', template: 'ask_codes', placeholder: 'codeLength', message: expect.stringContaining('{{codeLength}} is missing') },
      { language: 'de', template: 'escalated', placeholder: 'firstName', message: expect.stringContaining('{{firstName}} is not one this text has') },
      { language: 'de', template: 'greeting', message: expect.stringContaining('not a template name') },
      { language: 'it', template: 'escalated', message: expect.stringContaining('replies only in en, de, fr, nl, es') },
    ]);
  });

  it('stop start-up from POLICY_FILE with a ConfigError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ templates: { fr: { ask_response: 'Saisissez {{challenge}} sur le jeton.' } } }));
    const load = (): unknown => loadConfig({ POLICY_FILE: file });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/POLICY_FILE: templates\.fr\.ask_response: the placeholder \{\{firstName\}\} is missing/);
    writeFileSync(file, JSON.stringify({ templates: { fr: { escalated: 'Un collègue prend le relais.' } } }));
    expect(loadConfig({ POLICY_FILE: file }).policy.templates.fr?.escalated).toBe('Un collègue prend le relais.');
  });

  it('refuse a tenant’s policy with the field of the broken text', () => {
    const { policy, problems } = tenantPolicy(parsePolicy(), { templates: { es: { reminder_retest: '¿Ya puede entrar, {{nombre}}?' } } });
    expect(policy).toBeUndefined();
    expect(problems).toEqual([{ field: 'policy.templates.es.reminder_retest', message: expect.stringContaining('{{nombre}}') }]);
  });
});
