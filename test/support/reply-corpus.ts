/**
 * Replies as people write them from Gmail, Outlook, Apple Mail and phones, in the five languages the parser reads:
 * quoted history with the bot's own words and old codes in it, signatures with staff numbers, cost centres and
 * phones, legal footers, ticket references, dates and times. `test/unit/workflow.reply-parser.corpus.test.ts` checks
 * each row's answer and that the two dangerous outcomes never happen: a failure or non-answer read as "works", and a
 * number that is not a code used as one.
 */
import { CATALOGUES } from '../../workflows/resync/messages/index.js';
import type { ReplyExpectation } from '../../workflows/resync/reply-parser.js';

export type Client = 'gmail' | 'outlook' | 'outlook-mobile' | 'apple' | 'iphone' | 'android' | 'web';
export type Lang = 'en' | 'de' | 'fr' | 'nl' | 'es';
/** What the requester meant, whatever the parser makes of it. */
export type Truth = 'works' | 'fails' | 'unsure';
export type Expected =
  | { kind: 'codes'; codes: [string, string] }
  | { kind: 'response'; response: string }
  | { kind: 'retest'; outcome: 'works' | 'fails' }
  | 'ask_again';

interface Row {
  readonly id: string;
  readonly client: Client;
  readonly lang: Lang;
  readonly text: string;
  readonly expect: Expected;
}

export interface RetestRow extends Row {
  readonly expectation: { kind: 'retest' };
  readonly truth: Truth;
}

export interface CodeRow extends Row {
  readonly expectation: Exclude<ReplyExpectation, { kind: 'retest' }>;
  /** The codes the requester typed in the new part of the reply; nothing else may come back as a code. */
  readonly sent: readonly string[];
  /** Numbers that are not codes, as written: tickets, staff numbers, cost centres, phones, dates. */
  readonly decoys: readonly string[];
}

export type CorpusRow = RetestRow | CodeRow;

const RETEST = { kind: 'retest' } as const;
const CODES_6 = { kind: 'codes', codeLength: 6 } as const;
const CODES_8 = { kind: 'codes', codeLength: 8 } as const;
const RESPONSE_6 = { kind: 'response', codeLength: 6 } as const;
const RESPONSE_8 = { kind: 'response', codeLength: 8 } as const;

const works = { kind: 'retest', outcome: 'works' } as const;
const fails = { kind: 'retest', outcome: 'fails' } as const;
const pair = (first: string, second: string): Expected => ({ kind: 'codes', codes: [first, second] });
const response = (value: string): Expected => ({ kind: 'response', response: value });

// ---- what clients put under the reply ------------------------------------------------------------------------

// The bot's messages as they arrive in the requester's mailbox: the words "works", "still failing" and old codes are
// in them, so reading any of the history would be wrong.
const BOT_CODES = `Hello,

Let's get your login working again. Please open the MobilePASS app and reply to this message with two codes in a row:
- copy the code the app shows now,
- wait until the app shows a NEW code, then copy that one too.

Each code has 6 digits. Send them in order: the first code, a space, then the second code.
Your earlier codes 111111 222222 did not match.

Ticket REQ-482133`;

const BOT_RETEST = `Good news: your token is back in sync. Please try to log in again now, then reply "works" if it worked or "still failing" if it didn't.

Ticket REQ-482133`;

/** The bot's re-test ask as it reaches a requester whose language it knows (messages/<lang>.ts). */
const ASK_RETEST: Record<Lang, string> = {
  en: BOT_RETEST,
  de: `${CATALOGUES.de.ask_retest}\n\nTicket REQ-482133`,
  fr: `${CATALOGUES.fr.ask_retest}\n\nTicket REQ-482133`,
  nl: `${CATALOGUES.nl.ask_retest}\n\nTicket REQ-482133`,
  es: `${CATALOGUES.es.ask_retest}\n\nTicket REQ-482133`,
};

const quote = (text: string): string => text.split('\n').map((line) => (line === '' ? '>' : `> ${line}`)).join('\n');

const ATTRIBUTION: Record<Lang, string> = {
  en: 'On Thu, 3 Dec 2026 at 09:14, IT Helpdesk <support@example.com> wrote:',
  de: 'Am Do., 3. Dez. 2026 um 09:14 Uhr schrieb IT Helpdesk <support@example.com>:',
  fr: 'Le jeu. 3 déc. 2026 à 09:14, IT Helpdesk <support@example.com> a écrit :',
  nl: 'Op do 3 dec. 2026 om 09:14 schreef IT Helpdesk <support@example.com>:',
  es: 'El jue, 3 dic 2026 a las 9:14, IT Helpdesk (<support@example.com>) escribió:',
};

const OUTLOOK_HEADER: Record<Lang, string> = {
  en: 'From: IT Helpdesk <support@example.com>\nSent: Thursday, 3 December 2026 09:14\nTo: Anna Schmidt <anna.schmidt@example.com>\nSubject: RE: [REQ-482133] Login problem',
  de: 'Von: IT Helpdesk <support@example.com>\nGesendet: Donnerstag, 3. Dezember 2026 09:14\nAn: Jonas Becker <jonas.becker@example.com>\nBetreff: AW: [REQ-482133] Anmeldeproblem',
  fr: 'De : IT Helpdesk <support@example.com>\nEnvoyé : jeudi 3 décembre 2026 09:14\nÀ : Claire Martin <claire.martin@example.com>\nObjet : RE: [REQ-482133] Problème de connexion',
  nl: 'Van: IT Helpdesk <support@example.com>\nVerzonden: donderdag 3 december 2026 09:14\nAan: Sanne de Vries <sanne.devries@example.com>\nOnderwerp: RE: [REQ-482133] Inlogprobleem',
  es: 'De: IT Helpdesk <support@example.com>\nEnviado: jueves, 3 de diciembre de 2026 9:14\nPara: Javier López <javier.lopez@example.com>\nAsunto: RE: [REQ-482133] Problema de acceso',
};

const SENT_FROM_IPHONE: Record<Lang, string> = {
  en: 'Sent from my iPhone',
  de: 'Von meinem iPhone gesendet',
  fr: 'Envoyé de mon iPhone',
  nl: 'Verstuurd vanaf mijn iPhone',
  es: 'Enviado desde mi iPhone',
};

/** Gmail, web or Android app: the reply, an attribution line, the quoted message. */
function gmail(reply: string, quoted: string, lang: Lang = 'en'): string {
  return `${reply}\n\n${ATTRIBUTION[lang]}\n\n${quote(quoted)}\n`;
}

/** Outlook desktop: a rule of underscores and the header block, the history unquoted. */
function outlook(reply: string, quoted: string, lang: Lang = 'en'): string {
  return `${reply}\n\n________________________________\n${OUTLOOK_HEADER[lang]}\n\n${quoted}\n`;
}

/** Older Outlook and many corporate clients. */
function originalMessage(reply: string, quoted: string): string {
  return `${reply}\n\n-----Original Message-----\nFrom: IT Helpdesk [mailto:support@example.com]\nSent: 03/12/2026 09:14\nTo: Anna Schmidt\nSubject: RE: [REQ-482133] Login problem\n\n${quoted}\n`;
}

/** Outlook for iOS/Android. */
function outlookMobile(reply: string, quoted: string): string {
  return `${reply}\n\nGet Outlook for Android<https://aka.ms/AAb9ysg>\n________________________________\n${OUTLOOK_HEADER.en}\n\n${quoted}\n`;
}

/** Apple Mail on a Mac: the attribution is quoted too. */
function apple(reply: string, quoted: string, lang: Lang = 'en'): string {
  const attribution = lang === 'de' ? 'Am 03.12.2026 um 09:14 schrieb IT Helpdesk <support@example.com>:' : 'On 3 Dec 2026, at 09:14, IT Helpdesk <support@example.com> wrote:';
  return `${reply}\n\n> ${attribution}\n>\n${quote(quoted)}\n`;
}

/** Mail on an iPhone: "Sent from my iPhone", then Apple's quoting. */
function iphone(reply: string, quoted: string, lang: Lang = 'en'): string {
  return `${reply}\n\n${SENT_FROM_IPHONE[lang]}\n\n> On 3 Dec 2026, at 09:14, IT Helpdesk <support@example.com> wrote:\n>\n${quote(quoted)}\n`;
}

/** Samsung Email on Android. */
function android(reply: string, quoted: string): string {
  return `${reply}\n\nSent from my Galaxy\n\n\n-------- Original message --------\nFrom: IT Helpdesk <support@example.com>\nDate: 03/12/2026 09:14 (GMT+00:00)\nTo: anna.schmidt@example.com\nSubject: RE: [REQ-482133] Login problem\n\n${quoted}\n`;
}

const SIGNATURE_EN = 'Kind regards,\nAnna Schmidt\nFinance Controlling | ACME Ltd\nStaff no. 104233 | Cost centre 410020\nT: +44 20 7946 0958 | M: 07700 900123';
const SIGNATURE_DE = 'Mit freundlichen Grüßen\nJonas Becker\nEinkauf | ACME GmbH\nPersonalnr. 204871 · Kostenstelle 4711-20\nTel. +49 30 1234 5678';
const SIGNATURE_FR = 'Cordialement,\nClaire Martin\nComptabilité | ACME SAS\nMatricule : 104233\nTél. : +33 1 23 45 67 89';
const SIGNATURE_NL = 'Met vriendelijke groet,\nSanne de Vries\nInkoop | ACME B.V.\nPersoneelsnummer 104233 | Kostenplaats 410020\nTel: 020 123 4567';
const SIGNATURE_ES = 'Un saludo,\nJavier López\nCompras | ACME S.L.\nNº de empleado: 104233 | Centro de coste: 410020\nTel.: +34 912 345 678';
const DISCLAIMER_EN =
  'This e-mail and any attachments are confidential and may be privileged. If you are not the intended recipient, please notify the sender immediately and delete it; do not copy or use it for any purpose.';
const DISCLAIMER_DE =
  'Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen. Wenn Sie nicht der richtige Empfänger sind, informieren Sie bitte sofort den Absender und vernichten Sie diese E-Mail.';

// ---- re-test answers ------------------------------------------------------------------------------------------

const retest = (id: string, client: Client, lang: Lang, truth: Truth, text: string, expect: Expected): RetestRow => ({
  id, client, lang, truth, text, expect, expectation: RETEST,
});

export const RETEST_ROWS: readonly RetestRow[] = [
  // English: plain successes.
  retest('rt-en-01', 'gmail', 'en', 'works', gmail('Works now, thank you!', BOT_RETEST), works),
  retest('rt-en-02', 'outlook', 'en', 'works', outlook(`Hi,\n\nYes, I can log in again now. Many thanks for the quick help.\n\n${SIGNATURE_EN}`, BOT_RETEST), works),
  retest('rt-en-03', 'iphone', 'en', 'works', iphone('All good now 👍', BOT_RETEST), works),
  retest('rt-en-04', 'android', 'en', 'works', android('Logged in fine this time, thanks', BOT_RETEST), works),
  retest('rt-en-05', 'apple', 'en', 'works', apple("That did the trick – I'm back in. Thanks a lot!", BOT_RETEST), works),
  retest('rt-en-06', 'web', 'en', 'works', 'Yes it works', works),
  retest('rt-en-07', 'outlook-mobile', 'en', 'works', outlookMobile('Perfect, working again. Cheers', BOT_RETEST), works),
  retest('rt-en-08', 'gmail', 'en', 'works', gmail('Sorted, thanks! Logged in at 09:20 without any problem.', BOT_RETEST), works),
  retest('rt-en-09', 'outlook', 'en', 'works', `Works now, thanks.\n\n${DISCLAIMER_EN}\n\n${OUTLOOK_HEADER.en}\n\n${BOT_RETEST}`, works),
  retest('rt-en-10', 'iphone', 'en', 'works', iphone('Thank you! 🙏', BOT_RETEST), works),
  retest('rt-en-11', 'web', 'en', 'works', 'No more errors, I am logged in. Thanks for sorting it out!', works),
  // English: failures, plain and round-about.
  retest('rt-en-12', 'gmail', 'en', 'fails', gmail('Still failing, same error as before (invalid code).', BOT_RETEST), fails),
  retest('rt-en-13', 'outlook', 'en', 'fails', outlook(`No, it still says "Authentication failed".\n\nRegards\nJohn Miller\nIT Ops | ACME Ltd\nEmployee ID 104233`, BOT_RETEST), fails),
  retest('rt-en-14', 'iphone', 'en', 'fails', iphone("Doesn't look like it worked :(", BOT_RETEST), fails),
  retest('rt-en-15', 'web', 'en', 'fails', 'It does not seem to be fine', fails),
  retest('rt-en-16', 'android', 'en', 'fails', android('Nope. Same problem, it rejects the code.', BOT_RETEST), fails),
  retest('rt-en-17', 'apple', 'en', 'fails', apple("Sorry, I still can't log in. It says my token is locked.", BOT_RETEST), fails),
  retest('rt-en-18', 'outlook', 'en', 'fails', originalMessage('Unfortunately not. I tried twice at 09:20 and 09:25 on 03/12/2026 and both times got "invalid passcode".', BOT_RETEST), fails),
  retest('rt-en-19', 'gmail', 'en', 'fails', gmail('Hmm, now it says my account is locked', BOT_RETEST), fails),
  retest('rt-en-20', 'web', 'en', 'fails', 'Why does it still reject my code?', fails),
  // English: the replies that used to solve tickets whose login still failed, and other non-answers.
  retest('rt-en-21', 'gmail', 'en', 'fails', gmail("Worked for one login, now it's rejecting my codes again", BOT_RETEST), 'ask_again'),
  retest('rt-en-22', 'outlook', 'en', 'fails', outlook('I wish I could tell you it works, but no.', BOT_RETEST), 'ask_again'),
  retest('rt-en-23', 'iphone', 'en', 'unsure', iphone('ok, will do', BOT_RETEST), 'ask_again'),
  retest('rt-en-24', 'web', 'en', 'unsure', "Thanks, I'll try when I'm back in the office tomorrow.", 'ask_again'),
  retest('rt-en-25', 'gmail', 'en', 'unsure', gmail('It works on my laptop but not on my phone.', BOT_RETEST), 'ask_again'),
  retest('rt-en-26', 'outlook', 'en', 'unsure', outlook(`Haven't had a chance to test yet, will let you know.\n\n${SIGNATURE_EN}`, BOT_RETEST), 'ask_again'),
  retest('rt-en-27', 'android', 'en', 'unsure', android('Seems to work now?', BOT_RETEST), 'ask_again'),
  retest('rt-en-28', 'apple', 'en', 'fails', apple('It worked once, then it asked for a code again and said invalid.', BOT_RETEST), 'ask_again'),
  retest('rt-en-29', 'gmail', 'en', 'unsure', gmail('Not sure – the page just keeps loading.', BOT_RETEST), 'ask_again'),
  retest('rt-en-30', 'outlook', 'en', 'unsure', outlook(`Great, thanks. Will try after my meeting and get back to you.\n\n${SIGNATURE_EN}`, BOT_RETEST), 'ask_again'),
  retest('rt-en-31', 'gmail', 'en', 'fails', gmail('Yes and no – I can log in on the web portal but the VPN still rejects the code.', BOT_RETEST), fails),
  retest('rt-en-32', 'web', 'en', 'unsure', "Is it supposed to work already? I haven't tried.", 'ask_again'),
  retest('rt-en-33', 'outlook-mobile', 'en', 'unsure', outlookMobile('Probably fine, I think. Will check properly later.', BOT_RETEST), 'ask_again'),
  retest('rt-en-34', 'iphone', 'en', 'fails', iphone('Looks good on the phone, however the laptop still says "code rejected"', BOT_RETEST), fails),
  // German.
  retest('rt-de-01', 'gmail', 'de', 'works', gmail('Ja, es funktioniert jetzt. Vielen Dank!', BOT_RETEST, 'de'), works),
  retest('rt-de-02', 'outlook', 'de', 'fails', outlook(`Hallo,\n\nnein, geht immer noch nicht.\n\n${SIGNATURE_DE}`, BOT_RETEST, 'de'), fails),
  retest('rt-de-03', 'iphone', 'de', 'unsure', iphone('OK, ich probiere es später', BOT_RETEST, 'de'), 'ask_again'),
  retest('rt-de-04', 'web', 'de', 'fails', 'Leider klappt es immer noch nicht, Fehlermeldung "Code ungültig".', fails),
  retest('rt-de-05', 'android', 'de', 'unsure', android('Ich habe es noch nicht ausprobiert, bin erst morgen wieder im Büro.', BOT_RETEST), 'ask_again'),
  retest('rt-de-06', 'apple', 'de', 'works', apple('Klappt wieder, danke!', BOT_RETEST, 'de'), works),
  retest('rt-de-07', 'outlook', 'de', 'fails', outlook(`Es funktioniert, aber nur am Laptop, am Handy kommt weiterhin ein Fehler.\n\n${SIGNATURE_DE}\n\n${DISCLAIMER_DE}`, BOT_RETEST, 'de'), 'ask_again'),
  retest('rt-de-08', 'gmail', 'de', 'fails', gmail("Ok, aber es kommt immer noch 'Anmeldung fehlgeschlagen'.", BOT_RETEST, 'de'), fails),
  retest('rt-de-09', 'web', 'de', 'works', 'Guten Morgen, ich kann mich wieder anmelden. Danke!', works),
  retest('rt-de-10', 'iphone', 'de', 'fails', iphone('Ok. Geht leider nicht.', BOT_RETEST, 'de'), fails),
  // French.
  retest('rt-fr-01', 'gmail', 'fr', 'works', gmail('Oui, ça marche maintenant, merci !', BOT_RETEST, 'fr'), works),
  retest('rt-fr-02', 'outlook', 'fr', 'fails', outlook(`Bonjour,\n\nNon, ça ne marche toujours pas.\n\n${SIGNATURE_FR}`, BOT_RETEST, 'fr'), fails),
  retest('rt-fr-03', 'iphone', 'fr', 'unsure', iphone("Je n'ai pas encore essayé, je vous tiens au courant.", BOT_RETEST, 'fr'), 'ask_again'),
  retest('rt-fr-04', 'web', 'fr', 'works', 'Merci, tout fonctionne à nouveau.', works),
  retest('rt-fr-05', 'android', 'fr', 'fails', android("Ça ne fonctionne plus depuis ce matin, même erreur qu'avant.", BOT_RETEST), fails),
  retest('rt-fr-06', 'apple', 'fr', 'unsure', apple('On dirait que ça marche, mais je dois encore tester sur le VPN.', BOT_RETEST), 'ask_again'),
  retest('rt-fr-07', 'outlook', 'fr', 'fails', outlook(`Malheureusement non, le code est toujours refusé.\n\n${SIGNATURE_FR}`, BOT_RETEST, 'fr'), fails),
  retest('rt-fr-08', 'gmail', 'fr', 'fails', gmail("OK, j'ai réessayé mais ça ne passe pas.", BOT_RETEST, 'fr'), 'ask_again'),
  // Dutch.
  retest('rt-nl-01', 'gmail', 'nl', 'works', gmail('Ja, het werkt weer. Bedankt!', BOT_RETEST, 'nl'), works),
  retest('rt-nl-02', 'outlook', 'nl', 'fails', outlook(`Nee, het werkt nog steeds niet.\n\n${SIGNATURE_NL}`, BOT_RETEST, 'nl'), fails),
  retest('rt-nl-03', 'iphone', 'nl', 'unsure', iphone('Oké, ik probeer het straks even.', BOT_RETEST, 'nl'), 'ask_again'),
  retest('rt-nl-04', 'web', 'nl', 'fails', "Helaas, ik krijg nog steeds de foutmelding 'ongeldige code'.", fails),
  retest('rt-nl-05', 'android', 'nl', 'unsure', android('Nog niet getest, laat het morgen weten.', BOT_RETEST), 'ask_again'),
  retest('rt-nl-06', 'apple', 'nl', 'works', apple('Top, ik ben weer ingelogd!', BOT_RETEST), works),
  retest('rt-nl-07', 'outlook', 'nl', 'fails', outlook(`Ok, maar het lukt nog steeds niet.\n\n${SIGNATURE_NL}`, BOT_RETEST, 'nl'), fails),
  // Spanish.
  retest('rt-es-01', 'gmail', 'es', 'works', gmail('Sí, ya funciona. ¡Muchas gracias!', BOT_RETEST, 'es'), works),
  retest('rt-es-02', 'outlook', 'es', 'fails', outlook(`Hola,\n\nNo, todavía no funciona, ya lo intenté.\n\n${SIGNATURE_ES}`, BOT_RETEST, 'es'), fails),
  retest('rt-es-03', 'iphone', 'es', 'unsure', iphone('Vale, lo pruebo luego y te aviso.', BOT_RETEST, 'es'), 'ask_again'),
  retest('rt-es-04', 'web', 'es', 'fails', 'Sigue dando error, me dice que el código es inválido.', fails),
  retest('rt-es-05', 'android', 'es', 'unsure', android('Parece que funciona, pero todavía no lo he probado en el portátil.', BOT_RETEST), 'ask_again'),
  retest('rt-es-06', 'apple', 'es', 'works', apple('Ya puedo entrar, todo bien. Gracias.', BOT_RETEST), works),
  retest('rt-es-07', 'gmail', 'es', 'fails', gmail('Ya lo intenté otra vez y nada, no me deja entrar.', BOT_RETEST, 'es'), fails),
  // The bot asked in the requester's language, and the quoted ask holds its own "works" and "still failing" words.
  retest('rt-de-q1', 'gmail', 'de', 'fails', gmail('Leider nein, es geht immer noch nicht.', ASK_RETEST.de, 'de'), fails),
  retest('rt-de-q2', 'outlook', 'de', 'works', outlook(`Funktioniert, vielen Dank!

${SIGNATURE_DE}`, ASK_RETEST.de, 'de'), works),
  retest('rt-de-q3', 'iphone', 'de', 'unsure', iphone('Ich teste es heute Abend.', ASK_RETEST.de, 'de'), 'ask_again'),
  retest('rt-fr-q1', 'gmail', 'fr', 'works', gmail('Ça marche, merci beaucoup !', ASK_RETEST.fr, 'fr'), works),
  retest('rt-fr-q2', 'outlook', 'fr', 'fails', outlook(`Bonjour,

Non, ça ne marche toujours pas.

${SIGNATURE_FR}`, ASK_RETEST.fr, 'fr'), fails),
  retest('rt-fr-q3', 'iphone', 'fr', 'unsure', iphone('Je vous dirai demain.', ASK_RETEST.fr, 'fr'), 'ask_again'),
  retest('rt-nl-q1', 'gmail', 'nl', 'works', gmail('Werkt, bedankt!', ASK_RETEST.nl, 'nl'), works),
  retest('rt-nl-q2', 'outlook', 'nl', 'fails', outlook(`Hoi,

Het werkt nog steeds niet.

${SIGNATURE_NL}`, ASK_RETEST.nl, 'nl'), fails),
  retest('rt-nl-q3', 'iphone', 'nl', 'unsure', iphone('Ik probeer het vanavond.', ASK_RETEST.nl, 'nl'), 'ask_again'),
  retest('rt-es-q1', 'gmail', 'es', 'works', gmail('Funciona, ¡gracias!', ASK_RETEST.es, 'es'), works),
  retest('rt-es-q2', 'outlook', 'es', 'fails', outlook(`Hola,

Sigue sin funcionar.

${SIGNATURE_ES}`, ASK_RETEST.es, 'es'), fails),
  retest('rt-es-q3', 'iphone', 'es', 'unsure', iphone('Lo pruebo mañana.', ASK_RETEST.es, 'es'), 'ask_again'),
];

// ---- codes and responses --------------------------------------------------------------------------------------

const codes = (
  id: string,
  client: Client,
  lang: Lang,
  expectation: CodeRow['expectation'],
  text: string,
  expect: Expected,
  sent: readonly string[],
  decoys: readonly string[] = [],
): CodeRow => ({ id, client, lang, expectation, text, expect, sent, decoys });

export const CODE_ROWS: readonly CodeRow[] = [
  // English.
  codes('cd-en-01', 'web', 'en', CODES_6, '287082 359152', pair('287082', '359152'), ['287082', '359152']),
  codes('cd-en-02', 'gmail', 'en', CODES_6, gmail('Hi,\n\nhere are the codes for REQ-482133: 287082 359152\n\nThanks,\nAnna', BOT_CODES), pair('287082', '359152'), ['287082', '359152'], ['REQ-482133']),
  codes('cd-en-03', 'outlook', 'en', CODES_6, outlook(`Hello,\n\nCode 1: 287 082\nCode 2: 359 152\n\n${SIGNATURE_EN}`, BOT_CODES), pair('287082', '359152'), ['287082', '359152'], ['104233', '410020', '+44 20 7946 0958', '07700 900123']),
  codes('cd-en-04', 'outlook', 'en', CODES_6, '604311\n918274\n\nAnna Schmidt | Staff ID 104233 | Cost centre 410020\nDirect: +44 20 7946 0958', pair('604311', '918274'), ['604311', '918274'], ['104233', '410020']),
  codes('cd-en-05', 'iphone', 'en', CODES_6, iphone('287082\n359152', BOT_CODES), pair('287082', '359152'), ['287082', '359152']),
  codes('cd-en-06', 'android', 'en', CODES_6, android('First code 735190, second 062847 (REQ-482133)', BOT_CODES), pair('735190', '062847'), ['735190', '062847'], ['REQ-482133']),
  codes('cd-en-07', 'gmail', 'en', CODES_6, gmail('Codes: 450926 / 813305 – sent at 09:14 and 09:15 on 03/12/2026.', BOT_CODES), pair('450926', '813305'), ['450926', '813305'], ['03/12/2026', '09:14']),
  codes('cd-en-08', 'outlook', 'en', CODES_6, outlook('My staff number is 104233, the codes are 287082 and 359152.', BOT_CODES), pair('287082', '359152'), ['287082', '359152'], ['104233']),
  codes('cd-en-09', 'web', 'en', CODES_6, 'Ticket REQ-482133 – 287082 359152', pair('287082', '359152'), ['287082', '359152'], ['REQ-482133']),
  codes('cd-en-10', 'gmail', 'en', CODES_6, gmail('287082 359152\n\n(Cost centre 410020, in case you need it for the ticket.)', BOT_CODES), pair('287082', '359152'), ['287082', '359152'], ['410020']),
  codes('cd-en-11', 'outlook', 'en', CODES_6, originalMessage('Please find the codes below.\n\n604311\n918274\n\nIf you need to reach me: 0161 496 0123.', BOT_CODES), pair('604311', '918274'), ['604311', '918274'], ['0161 496 0123']),
  codes('cd-en-12', 'apple', 'en', CODES_6, apple('Code 1: 735190 Code 2: 062847\n\nMy employee ID is 104233 if that helps.', BOT_CODES), pair('735190', '062847'), ['735190', '062847'], ['104233']),
  codes('cd-en-13', 'gmail', 'en', CODES_6, gmail('287082 359152\n\nSorry, in case the first message got lost: 287082 359152', BOT_CODES), pair('287082', '359152'), ['287082', '359152']),
  codes('cd-en-14', 'outlook', 'en', CODES_6, outlook('Code 1: 450926\nCode 2: 813305\n\n(again, just in case: 450926 813305)', BOT_CODES), pair('450926', '813305'), ['450926', '813305']),
  codes('cd-en-15', 'web', 'en', CODES_6, '287082 359152 969429', 'ask_again', ['287082', '359152', '969429']),
  codes('cd-en-16', 'gmail', 'en', CODES_6, gmail('The app showed 287082, then 359152, and now 969429 – which ones do you need?', BOT_CODES), 'ask_again', ['287082', '359152', '969429']),
  codes('cd-en-17', 'iphone', 'en', CODES_6, iphone('604311', BOT_CODES), 'ask_again', ['604311']),
  codes('cd-en-18', 'outlook', 'en', CODES_6, 'The code is 735190.\n\nStaff no. 104233', 'ask_again', ['735190'], ['104233']),
  codes('cd-en-19', 'gmail', 'en', CODES_6, gmail("Here's the code for REQ-482133: 450926", BOT_CODES), 'ask_again', ['450926'], ['REQ-482133']),
  codes('cd-en-20', 'android', 'en', CODES_6, android('Codes on 2026-12-03 at 09:14: 287082 359152', BOT_CODES), pair('287082', '359152'), ['287082', '359152'], ['2026-12-03', '09:14']),
  codes('cd-en-21', 'web', 'en', CODES_6, '287082 359152 (sent 03.12.2026, 09:14)', pair('287082', '359152'), ['287082', '359152'], ['03.12.2026']),
  // A staff number alone on a signature line cannot be told from a third code: ask.
  codes('cd-en-22', 'outlook', 'en', CODES_6, 'Code: 604311\nNext code: 918274\n\nAnna Schmidt\n104233', 'ask_again', ['604311', '918274'], ['104233']),
  codes('cd-en-23', 'gmail', 'en', CODES_6, gmail('287 082 359 152', BOT_CODES), pair('287082', '359152'), ['287082', '359152']),
  codes('cd-en-24', 'outlook', 'en', CODES_6, 'Codes: 735190, 062847\nCost centre: 410020 / Kostenstelle', pair('735190', '062847'), ['735190', '062847'], ['410020']),
  codes('cd-en-25', 'apple', 'en', CODES_6, apple('You can call me on 07700 900123 if easier. Codes: 450926 813305', BOT_CODES), pair('450926', '813305'), ['450926', '813305'], ['07700 900123']),
  codes('cd-en-26', 'gmail', 'en', CODES_6, gmail('Re #482133: 287082 359152', BOT_CODES), pair('287082', '359152'), ['287082', '359152'], ['#482133']),
  codes('cd-en-27', 'outlook', 'en', CODES_6, 'INC0048213 – codes 604311 918274', pair('604311', '918274'), ['604311', '918274'], ['INC0048213']),
  codes('cd-en-28', 'web', 'en', CODES_6, 'Ticket 482133, codes 287082 359152', pair('287082', '359152'), ['287082', '359152'], ['482133']),
  codes('cd-en-29', 'outlook-mobile', 'en', CODES_6, outlookMobile('735190 062847', BOT_CODES), pair('735190', '062847'), ['735190', '062847']),
  codes('cd-en-30', 'outlook', 'en', CODES_6, `Codes 450926 813305, staff no. 104233, cost centre 410020, ref REQ-482133.\n\n${DISCLAIMER_EN}\n\n${OUTLOOK_HEADER.en}\n\n${BOT_CODES}`, pair('450926', '813305'), ['450926', '813305'], ['104233', '410020', 'REQ-482133']),
  codes('cd-en-31', 'web', 'en', CODES_8, '94287082 37359152', pair('94287082', '37359152'), ['94287082', '37359152']),
  codes('cd-en-32', 'outlook', 'en', CODES_8, outlook('Codes from 2026-12-03: 9428 7082 and 3735 9152', BOT_CODES), pair('94287082', '37359152'), ['94287082', '37359152'], ['2026-12-03']),
  codes('cd-en-33', 'gmail', 'en', CODES_8, gmail('03-12-2026 09:14: 94287082, 09:15: 37359152', BOT_CODES), pair('94287082', '37359152'), ['94287082', '37359152'], ['03-12-2026']),
  codes('cd-en-34', 'outlook', 'en', CODES_8, 'Employee no. 10423399\nCodes: 94287082 37359152', pair('94287082', '37359152'), ['94287082', '37359152'], ['10423399']),
  codes('cd-en-35', 'web', 'en', RESPONSE_8, 'Response: 7335 2891\nTicket REQ-482133', response('73352891'), ['73352891'], ['REQ-482133']),
  codes('cd-en-36', 'gmail', 'en', RESPONSE_8, gmail('Challenge 83625104 entered on 03/12/2026, the token shows 19283746', BOT_CODES), response('19283746'), ['19283746'], ['83625104', '03/12/2026']),
  codes('cd-en-37', 'iphone', 'en', RESPONSE_8, iphone('19283746 or 19283764?', BOT_CODES), 'ask_again', ['19283746', '19283764']),
  // German.
  codes('cd-de-01', 'gmail', 'de', CODES_6, gmail('Hallo,\n\nhier die Codes: 287082 359152\n\nViele Grüße\nJonas', BOT_CODES, 'de'), pair('287082', '359152'), ['287082', '359152']),
  codes('cd-de-02', 'outlook', 'de', CODES_6, outlook(`Erster Code: 604311\nZweiter Code: 918274\n\n${SIGNATURE_DE}`, BOT_CODES, 'de'), pair('604311', '918274'), ['604311', '918274'], ['204871', '4711-20', '+49 30 1234 5678']),
  codes('cd-de-03', 'web', 'de', CODES_6, 'Codes vom 03.12.2026: 735190 und 062847 (Personalnummer 204871)', pair('735190', '062847'), ['735190', '062847'], ['03.12.2026', '204871']),
  codes('cd-de-04', 'iphone', 'de', CODES_6, iphone('450926', BOT_CODES, 'de'), 'ask_again', ['450926']),
  codes('cd-de-05', 'android', 'de', CODES_6, android('Mitarbeiternr. 204871, Kostenstelle 410020 – Codes 287082 359152', BOT_CODES), pair('287082', '359152'), ['287082', '359152'], ['204871', '410020']),
  codes('cd-de-06', 'outlook', 'de', CODES_6, outlook(`287082 359152\n287082 359152\n\n${SIGNATURE_DE}\n\n${DISCLAIMER_DE}`, BOT_CODES, 'de'), pair('287082', '359152'), ['287082', '359152'], ['204871']),
  codes('cd-de-07', 'gmail', 'de', CODES_6, gmail('Code 1: 604311, Code 2: 918274, Code 3: 237791', BOT_CODES, 'de'), 'ask_again', ['604311', '918274', '237791']),
  codes('cd-de-08', 'apple', 'de', RESPONSE_6, apple('Die Antwort ist 552671.\n\nPersonalnr. 204871', BOT_CODES, 'de'), response('552671'), ['552671'], ['204871']),
  codes('cd-de-09', 'web', 'de', CODES_6, 'Ticket REQ-482133 vom 2026-12-03, Uhrzeit 09:14 – erster Code 450926, zweiter 813305', pair('450926', '813305'), ['450926', '813305'], ['REQ-482133', '2026-12-03']),
  // French.
  codes('cd-fr-01', 'gmail', 'fr', CODES_6, gmail(`Bonjour,\n\nvoici les codes : 287082 359152\n\n${SIGNATURE_FR}`, BOT_CODES, 'fr'), pair('287082', '359152'), ['287082', '359152'], ['104233']),
  codes('cd-fr-02', 'outlook', 'fr', CODES_6, outlook('Premier code : 735190\nDeuxième code : 062847\n\nCordialement,\nClaire Martin\nCentre de coûts 410020\nTél. : +33 1 23 45 67 89', BOT_CODES, 'fr'), pair('735190', '062847'), ['735190', '062847'], ['410020']),
  codes('cd-fr-03', 'web', 'fr', CODES_6, 'Concernant la demande REQ-482133 du 03/12/2026 : 450926 et 813305', pair('450926', '813305'), ['450926', '813305'], ['REQ-482133', '03/12/2026']),
  codes('cd-fr-04', 'iphone', 'fr', CODES_6, iphone('604311 918274 604311', BOT_CODES, 'fr'), 'ask_again', ['604311', '918274']),
  codes('cd-fr-05', 'android', 'fr', CODES_6, android('Mon matricule est 104233, le code est 287082', BOT_CODES), 'ask_again', ['287082'], ['104233']),
  codes('cd-fr-06', 'apple', 'fr', CODES_6, apple('Code 1 : 735 190\nCode 2 : 062 847\n\nMatricule 104233 – centre de coût 410020', BOT_CODES), pair('735190', '062847'), ['735190', '062847'], ['104233', '410020']),
  // Dutch.
  codes('cd-nl-01', 'gmail', 'nl', CODES_6, gmail('Hoi,\n\nHier zijn de codes: 287082 359152\n\nGroeten,\nSanne', BOT_CODES, 'nl'), pair('287082', '359152'), ['287082', '359152']),
  codes('cd-nl-02', 'outlook', 'nl', CODES_6, outlook(`Eerste code: 735190\nTweede code: 062847\n\n${SIGNATURE_NL}`, BOT_CODES, 'nl'), pair('735190', '062847'), ['735190', '062847'], ['104233', '410020']),
  codes('cd-nl-03', 'web', 'nl', CODES_6, 'Melding REQ-482133 van 03-12-2026: 450926 en 813305', pair('450926', '813305'), ['450926', '813305'], ['REQ-482133', '03-12-2026']),
  codes('cd-nl-04', 'iphone', 'nl', CODES_6, iphone('604311\n918274', BOT_CODES, 'nl'), pair('604311', '918274'), ['604311', '918274']),
  codes('cd-nl-05', 'android', 'nl', CODES_6, android('Mijn personeelsnummer is 104233 en de code 287082', BOT_CODES), 'ask_again', ['287082'], ['104233']),
  codes('cd-nl-06', 'outlook', 'nl', CODES_6, outlook('Codes: 450926 813305 (kostenplaats 410020, tel. 020 123 4567)', BOT_CODES, 'nl'), pair('450926', '813305'), ['450926', '813305'], ['410020', '020 123 4567']),
  // Spanish.
  codes('cd-es-01', 'gmail', 'es', CODES_6, gmail('Hola,\n\naquí tienen los códigos: 287082 359152\n\nSaludos,\nJavier', BOT_CODES, 'es'), pair('287082', '359152'), ['287082', '359152']),
  codes('cd-es-02', 'outlook', 'es', CODES_6, outlook(`Primer código: 735190\nSegundo código: 062847\n\n${SIGNATURE_ES}`, BOT_CODES, 'es'), pair('735190', '062847'), ['735190', '062847'], ['104233', '410020']),
  codes('cd-es-03', 'web', 'es', CODES_6, 'Solicitud REQ-482133 del 03/12/2026: 450926 y 813305', pair('450926', '813305'), ['450926', '813305'], ['REQ-482133', '03/12/2026']),
  codes('cd-es-04', 'iphone', 'es', CODES_6, iphone('287082 359152 969429', BOT_CODES, 'es'), 'ask_again', ['287082', '359152', '969429']),
  codes('cd-es-05', 'android', 'es', CODES_6, android('El código es 604311, mi número de empleado es 104233', BOT_CODES), 'ask_again', ['604311'], ['104233']),
  codes('cd-es-06', 'apple', 'es', CODES_6, apple('Código 1: 735190\nCódigo 2: 062847\nCentro de coste 410020, teléfono 912 345 678', BOT_CODES), pair('735190', '062847'), ['735190', '062847'], ['410020', '912 345 678']),
];

export const CORPUS: readonly CorpusRow[] = [...RETEST_ROWS, ...CODE_ROWS];
