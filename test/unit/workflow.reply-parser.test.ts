import { describe, expect, it } from 'vitest';
import { maskDigits, newPartOfReply, parseReply, type ParsedReply, type ReplyExpectation } from '../../workflows/resync/reply-parser.js';

const CODES_6: ReplyExpectation = { kind: 'codes', codeLength: 6 };
const CODES_8: ReplyExpectation = { kind: 'codes', codeLength: 8 };
const RESPONSE_6: ReplyExpectation = { kind: 'response', codeLength: 6 };
const RESPONSE_8: ReplyExpectation = { kind: 'response', codeLength: 8 };
const RETEST: ReplyExpectation = { kind: 'retest' };

const codes = (first: string, second: string): ParsedReply => ({ kind: 'codes', codes: [first, second] });
const response = (value: string): ParsedReply => ({ kind: 'response', response: value });
const unusable = (problem: Extract<ParsedReply, { kind: 'unusable' }>['problem']): ParsedReply => ({ kind: 'unusable', problem });

// The bot's own message as clients quote it: instructions, and the codes from an earlier round.
const BOT_ASK = `Hello Anna,

Let's get your login working again. Please open the MobilePASS app and reply to this message with two codes in a row:
- copy the code the app shows now,
- wait until the app shows a NEW code, then copy that one too.

Each code has 6 digits. Send them in order: the first code, a space, then the second code.`;
const OLD_CODES = '111111 222222';
const quoted = (text: string): string => text.split('\n').map((line) => `> ${line}`).join('\n');
const GMAIL_HISTORY = `On Mon, 3 Nov 2026 at 10:02, IT Helpdesk <helpdesk@example.com> wrote:\n\n${quoted(`${BOT_ASK}\n${OLD_CODES}`)}`;

type Case = readonly [name: string, text: string, expect: ReplyExpectation, parsed: ParsedReply];

const REPLIES: readonly Case[] = [
  ['two codes and nothing else', '287082 359152', CODES_6, codes('287082', '359152')],
  ['codes joined by "and"', '287082 and 359152', CODES_6, codes('287082', '359152')],
  ['codes on two lines', '287082\n359152\n', CODES_6, codes('287082', '359152')],
  ['codes spaced as the app shows them', '287 082 359 152', CODES_6, codes('287082', '359152')],
  ['one spaced, one not', 'Here: 287 082 359152', CODES_6, codes('287082', '359152')],
  ['hyphenated codes', '287-082 359-152', CODES_6, codes('287082', '359152')],
  ['labelled "code 1:" / "code 2:"', 'Hi,\n\nCode 1: 287 082\nCode 2: 359 152\n', CODES_6, codes('287082', '359152')],
  ['labelled first and second', 'first: 287082, second: 359152', CODES_6, codes('287082', '359152')],
  ['numbered 1) 2)', '1) 287082 2) 359152', CODES_6, codes('287082', '359152')],
  ['numbered with hyphens', '1 - 287082\n2 - 359152', CODES_6, codes('287082', '359152')],
  ['codes in a sentence with times', 'At 10:02 the app showed 287082, then at 10:03 it showed 359152.', CODES_6, codes('287082', '359152')],
  ['labels glued to digits', 'Code1: 287082 Code2: 359152', CODES_6, codes('287082', '359152')],
  ['ordinals', '1st 287082 2nd 359152', CODES_6, codes('287082', '359152')],
  ['a slash between codes, times and a dotted date after', 'Codes: 287082 / 359152 (sent 10:02 and 10:03 on 03.11.2026)', CODES_6, codes('287082', '359152')],
  ['a 4-digit number in the sentence', 'My employee number is 4711 and the codes: 287082, 359152', CODES_6, codes('287082', '359152')],
  [
    'US signature after "Best," with dotted phone, parentheses and a ZIP code',
    'Code: 287082\nNext code: 359152\n\nBest,\nJohn\n\nJohn Smith\nDirector of Operations\nAcme Inc.\n555.123.4567\n(555) 123-4567\n1 Main St, Springfield 62704',
    CODES_6,
    codes('287082', '359152'),
  ],
  ['a ticket number and a year do not count', 'Re ticket #4521 from 3 Nov 2026: 287082 359152', CODES_6, codes('287082', '359152')],
  ['"thanks" inside a sentence is content', 'Thanks, here are the codes: 287082 359152', CODES_6, codes('287082', '359152')],
  ['"Thanks!" before the codes and a name after', 'Thanks!\n287082\n359152\nAnna', CODES_6, codes('287082', '359152')],
  ['Gmail: quoted history holds the bot message and old codes', `Here you go: 287082 359152\n\n${GMAIL_HISTORY}`, CODES_6, codes('287082', '359152')],
  [
    'Gmail: attribution wrapped over two lines',
    `287082 359152\n\nOn Mon, 3 Nov 2026 at 10:02, IT Helpdesk <\nhelpdesk@example.com> wrote:\n\n${quoted(OLD_CODES)}`,
    CODES_6,
    codes('287082', '359152'),
  ],
  [
    'Outlook: signature with phone numbers, then the header block',
    `Hi,\n\n287082\n359152\n\nThanks\nAnna Schmidt\nFinance | ACME GmbH\nTel: +49 30 1234 5678\n\n________________________________\nFrom: IT Helpdesk <helpdesk@example.com>\nSent: Monday, November 3, 2026 10:02 AM\nTo: Anna Schmidt <anna@example.com>\nSubject: [#4521] Login problem\n\n${BOT_ASK}\n${OLD_CODES}`,
    CODES_6,
    codes('287082', '359152'),
  ],
  [
    'Outlook: "-----Original Message-----"',
    `287082 359152\n\n-----Original Message-----\nFrom: IT Helpdesk\nSent: 03 November 2026 10:02\n${OLD_CODES}`,
    CODES_6,
    codes('287082', '359152'),
  ],
  [
    'Outlook, German: "Von:" / "Gesendet:"',
    `Hier die Codes: 287082 359152\n\nMit freundlichen Grüßen\nAnna Schmidt\n\nVon: IT Helpdesk <helpdesk@example.com>\nGesendet: Montag, 3. November 2026 10:02\nAn: Anna Schmidt\n${OLD_CODES}`,
    CODES_6,
    codes('287082', '359152'),
  ],
  [
    'Apple Mail: "Sent from my iPhone" and a quoted attribution',
    `287082 359152\n\nSent from my iPhone\n\n> On 3 Nov 2026, at 10:02, IT Helpdesk <helpdesk@example.com> wrote:\n> \n${quoted(OLD_CODES)}`,
    CODES_6,
    codes('287082', '359152'),
  ],
  ['"Get Outlook for iOS"', '287082 359152\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n111111', CODES_6, codes('287082', '359152')],
  [
    '"-- " signature with mobile and office numbers',
    '287082 359152\n\n-- \nJohn Smith\nMobile: 07700 900123\nOffice: 020 7946 0958',
    CODES_6,
    codes('287082', '359152'),
  ],
  [
    'signature without a marker: phone numbers are not codes',
    '287082 359152\n\nJohn Smith | Accounts\nT: +44 20 7946 0958 | M: 07700 900 123\nwww.acme-example.com/team/123456',
    CODES_6,
    codes('287082', '359152'),
  ],
  ['"Kind regards" and a phone after the name', '287082 359152\n\nKind regards,\nAnna Schmidt\n+49 170 1234567', CODES_6, codes('287082', '359152')],
  ['"Regards, Anna" on one line', '287082 359152\nRegards, Anna\n0170 123456', CODES_6, codes('287082', '359152')],
  [
    'helpdesk "reply above this line" marker',
    '287082 359152\n\n##- Please type your reply above this line -##\n\n111111 222222',
    CODES_6,
    codes('287082', '359152'),
  ],
  ['bottom-posted under the quoted message', `${GMAIL_HISTORY}\n\n287082 359152`, CODES_6, codes('287082', '359152')],
  ['8 digits', '94287082 37359152', CODES_8, codes('94287082', '37359152')],
  ['8 digits spaced in fours', '9428 7082 3735 9152', CODES_8, codes('94287082', '37359152')],
  ['8 digits on two labelled lines', 'first code 9428 7082\nsecond code 3735 9152', CODES_8, codes('94287082', '37359152')],
  [
    'HTML from Gmail with the quote in a gmail_quote div',
    '<div dir="ltr">287082 359152<br></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 3 Nov 2026 at 10:02 IT Helpdesk &lt;<a href="mailto:helpdesk@example.com">helpdesk@example.com</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Hello Anna,<br>111111 222222</blockquote></div>',
    CODES_6,
    codes('287082', '359152'),
  ],
  [
    'HTML from Outlook with styles, &nbsp; and a reply header',
    '<html><head><style>p.MsoNormal{margin:0cm;font-size:11.0pt} #x123456{}</style></head><body lang="EN-GB"><div class="WordSection1"><p class="MsoNormal">287&nbsp;082<o:p></o:p></p><p class="MsoNormal">359&nbsp;152<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> IT Helpdesk<br><b>Sent:</b> Monday<br>111111 222222</div></div></body></html>',
    CODES_6,
    codes('287082', '359152'),
  ],
  [
    'HTML from Apple Mail with a blockquote',
    '<html><body><div>287082</div><div>359152</div><div><br><blockquote type="cite"><div>On 3 Nov 2026, at 10:02, IT Helpdesk &lt;helpdesk@example.com&gt; wrote:</div><div>111111 222222</div></blockquote></div></body></html>',
    CODES_6,
    codes('287082', '359152'),
  ],
  ['HTML spans split a code, zero-width entities inside', '<p><span>287</span><span>&#8203;082</span> <span>359&#x200b;152</span></p>', CODES_6, codes('287082', '359152')],
  ['right-to-left marks around codes in a Hebrew reply', 'הקודים:\u200F 287082\u200F \u200E359152\u202C\nתודה', CODES_6, codes('287082', '359152')],
  ['full-width digits', '２８７０８２　３５９１５２', CODES_6, codes('287082', '359152')],
  ['Arabic-Indic digits', 'الرموز: ٢٨٧٠٨٢ ٣٥٩١٥٢', CODES_6, codes('287082', '359152')],
  ['zero-width spaces between digits', '2\u200B8\u200B7\u200B0\u200B8\u200B2 3\u200B5\u200B9\u200B1\u200B5\u200B2', CODES_6, codes('287082', '359152')],
  ['one code; the quoted history has two old ones', `287082\n\n${GMAIL_HISTORY}`, CODES_6, unusable('one_code')],
  ['nothing above the quoted history', `\n\n${GMAIL_HISTORY}`, CODES_6, unusable('empty')],
  ['only a signature', 'Sent from my iPhone', CODES_6, unusable('empty')],
  ['words only', "I don't have the app on this phone, can you call me? +44 20 7946 0958", CODES_6, unusable('no_codes')],
  ['three codes', '287082 359152 969429', CODES_6, unusable('too_many_codes')],
  ['the same code twice', '287082 287082', CODES_6, unusable('one_code')],
  ['codes one digit short', '28708 35915', CODES_6, unusable('wrong_length')],
  ['one good code, one a digit short', '287082\n35915', CODES_6, unusable('wrong_length')],
  ['8-digit codes where 6 are expected', '94287082 37359152', CODES_6, unusable('wrong_length')],
  ['two codes typed without a space', '287082359152', CODES_6, unusable('wrong_length')],
  ['a phone number is not a code', 'Call me on 555-123-4567 please', CODES_6, unusable('wrong_length')],
  ['KT-4 response, 8 digits', 'The token shows 7335 2891', RESPONSE_8, response('73352891')],
  ['KT-4 response, 6 digits with a label', 'Response: 552 671\n\nBest regards\nTom', RESPONSE_6, response('552671')],
  ['KT-4 response with the challenge echoed', 'Challenge 83625104, response 19283746', RESPONSE_8, response('19283746')],
  ['KT-4 response typed twice', '19283746\n1928 3746', RESPONSE_8, response('19283746')],
  ['KT-4: two different numbers', '19283746 or 19283764?', RESPONSE_8, unusable('too_many_codes')],
  ['KT-4: response a digit short', '1928374', RESPONSE_8, unusable('wrong_length')],
  ['KT-4: no response', "The token only shows 'Resync'", RESPONSE_8, unusable('no_codes')],
  ['KT-4: response in HTML under an Outlook header', '<div>29384756</div><hr><div><b>From:</b> IT Helpdesk<br><b>Sent:</b> Monday<br>Enter this challenge: 12345678</div>', RESPONSE_8, response('29384756')],
  ['a ticket reference hung on a number is not a code', 'Codes for REQ-482133: 287082 359152', CODES_6, codes('287082', '359152')],
  ['a staff number and a cost centre are not codes', 'Staff no. 104233, cost centre 410020: 287082 359152', CODES_6, codes('287082', '359152')],
  ['"… is my ticket number" names the number before it', '482133 is my ticket number. 287082 359152', CODES_6, codes('287082', '359152')],
  ['a bare "Tel:" labels the number after it', 'Tel: 444136\nCodes: 287082 359152', CODES_6, codes('287082', '359152')],
  ['a date between the codes', '287082 03/12/2026 359152', CODES_6, codes('287082', '359152')],
  ['an ISO date is not an 8-digit code', 'Codes from 2026-12-03: 94287082 37359152', CODES_8, codes('94287082', '37359152')],
  ['a pair written twice is one pair', '287082 359152\n\nIn case it got lost: 287082 359152', CODES_6, codes('287082', '359152')],
  ['a correction after the pair is asked about, not guessed', 'Code 1: 287082, code 2: 359152. Sorry, the second one was actually 359125', CODES_6, unusable('too_many_codes')],
  ['a staff number alone on a signature line is a third candidate', 'Code: 287082\nNext code: 359152\n\nAnna Schmidt\n104233', CODES_6, unusable('too_many_codes')],
  ['empty reply', '', CODES_6, unusable('empty')],
  ['invisible characters only', '  \u200B\n\u200F&nbsp;', CODES_6, unusable('empty')],
  ['re-test answer with history', `Works now, thanks!\n\n${GMAIL_HISTORY}`, RETEST, { kind: 'retest', outcome: 'works' }],
  ['re-test answer in HTML', '<div dir="ltr">still failing :(</div><div class="gmail_quote">reply "works"</div>', RETEST, { kind: 'retest', outcome: 'fails' }],
];

describe('parseReply', () => {
  it.each(REPLIES)('%s', (_name, text, expect_, parsed) => {
    expect(parseReply(text, expect_)).toEqual(parsed);
  });

  it('reads only the codes the requester wrote, never those in the quoted bot message', () => {
    expect(parseReply(`${GMAIL_HISTORY}`, CODES_6)).toEqual(unusable('empty'));
    expect(parseReply(`ok\n\n${GMAIL_HISTORY}`, CODES_6)).toEqual(unusable('no_codes'));
  });
});

const WORKS = [
  'works now',
  'Works',
  'yes',
  'Yep!',
  'all good',
  'That fixed it.',
  'I can log in now',
  'It worked, thanks',
  'sorted',
  '👍',
  'Yes, it works now. Thank you so much!',
  'no longer failing',
  "It's working again, no more errors",
  'Logged in successfully',
  'I managed to sign in',
  "I'm in!",
  'Perfect, that did the trick',
  'Thank you!',
  'Working now, thank you!',
  'Ja, es funktioniert jetzt',
  'Oui, ça marche maintenant',
  'Het werkt weer, bedankt',
  'Sí, ya funciona',
  'Problem solved',
  'it is working fine now',
  'Works now!\n\nKind regards,\nAnna\n+49 170 1234567',
];

const FAILS = [
  'it stopped working again',
  'Stopped working after lunch',
  'no',
  'No.',
  'still failing',
  "doesn't work",
  'does not work',
  'still not working',
  'nope',
  'same error',
  "can't log in",
  'I still cannot login',
  'still getting invalid code',
  'Not working :(',
  'No, it still says the code is invalid',
  'Unfortunately no luck',
  'Nothing changed',
  'Still the same',
  '👎',
  'Thanks, but still failing',
  "didnt work",
  'Nope, same problem',
  "I'm still not able to log in",
  'No change, still cannot login',
  'It says invalid passcode',
  'It does not seem to be fine',
  "Doesn't look like it worked :(",
  'Nein, geht immer noch nicht',
  'Non, ça ne marche toujours pas',
  'Nee, het werkt nog steeds niet',
  'No, todavía no funciona, ya lo intenté',
];

const UNCLEAR = [
  'Not sure',
  "I haven't tried yet",
  'OK, I will try later',
  'Does it work now?',
  'Can you call me?',
  'hmm',
  'Yes and no',
  'It worked once, then failed again',
  'It works on my phone but not on my laptop.',
  'Maybe',
  "Worked for one login, now it's rejecting my codes again",
  'I wish I could tell you it works, but no.',
  'ok, will do',
  'OK, ich probiere es später',
  'Does it work now, or should I wait?',
  'Ok, grazie',
];

describe('parseReply re-test', () => {
  it.each(WORKS)('hears "works" in %j', (text) => {
    expect(parseReply(text, RETEST)).toEqual({ kind: 'retest', outcome: 'works' });
  });

  it.each(FAILS)('hears "fails" in %j', (text) => {
    expect(parseReply(text, RETEST)).toEqual({ kind: 'retest', outcome: 'fails' });
  });

  it.each(UNCLEAR)('asks again for %j', (text) => {
    expect(parseReply(text, RETEST)).toEqual(unusable('unclear'));
  });

  it('reports an empty re-test answer as empty', () => {
    expect(parseReply(`\n${GMAIL_HISTORY}`, RETEST)).toEqual(unusable('empty'));
  });
});

describe('newPartOfReply', () => {
  it('drops quoted history, the signature and HTML', () => {
    expect(newPartOfReply(`<p>Hello&nbsp;&amp; thanks</p><p>287082</p>\n\n<div class="gmail_quote">old</div>`)).toBe('Hello & thanks\n287082');
    expect(newPartOfReply(`Here you go\n\n-- \nAnna\n\n${GMAIL_HISTORY}`)).toBe('Here you go');
  });

  it('keeps a name after "Thanks" when more content follows', () => {
    expect(newPartOfReply('Thanks!\nStill failing')).toBe('Thanks!\nStill failing');
  });

  it('keeps at most 20,000 characters of a huge reply', () => {
    expect(newPartOfReply(`${'word '.repeat(100_000)}287082 359152`).length).toBeLessThanOrEqual(20_000);
    expect(parseReply(`${'word '.repeat(100_000)}287082 359152`, CODES_6)).toEqual(unusable('no_codes'));
  });

  it('normalises invisible characters and digits', () => {
    expect(newPartOfReply('\u202B２８７\u200B０８２\u202C')).toBe('287082');
  });
});

describe('maskDigits', () => {
  it('masks every run of four or more digits, spaces kept', () => {
    expect(maskDigits('codes 287082 and 359 152, ticket 42, year 2026')).toBe('codes •••••• and ••• •••, ticket 42, year ••••');
  });

  it('masks hyphenated, full-width and zero-width-split codes too', () => {
    expect(maskDigits('287-082 ２８７０８２ 28\u200B7082')).toBe('•••-••• •••••• ••\u200B••••');
  });

  it('leaves short numbers alone', () => {
    expect(maskDigits('code 1: ok, 2 of 3')).toBe('code 1: ok, 2 of 3');
  });
});
