import { describe, expect, it } from 'vitest';
import { LANGUAGES, type Language } from '../../workflows/resync/language.js';
import { parseReply, type ParsedReply, type ReplyExpectation } from '../../workflows/resync/reply-parser.js';

/*
 * One table, written in each language the bot replies in: the same answers, as people write them. The whole table
 * passes in every language: the re-test words (works, still failing), their negations, hedges and not-yet-tried
 * answers, and the codes with the language's own word for them. A failure, a hedge or a question is never "works":
 * a false "works" would solve a ticket whose login still fails.
 */

const CODES_6: ReplyExpectation = { kind: 'codes', codeLength: 6 };
const RESPONSE_8: ReplyExpectation = { kind: 'response', codeLength: 8 };
const RETEST: ReplyExpectation = { kind: 'retest' };
const PAIR: ParsedReply = { kind: 'codes', codes: ['287082', '359152'] };

type Concept =
  | 'the word the bot asks for when it works'
  | 'yes, it works now, thanks'
  | 'I can log in again'
  | 'it worked, problem solved'
  | 'works, then a sign-off and a name'
  | 'the words the bot asks for when it still fails'
  | 'it does not work'
  | 'no, still the same error'
  | 'I still cannot log in'
  | 'the code is still rejected'
  | 'it stopped working'
  | 'it stopped working, with the verb for "stop"'
  | 'not tried yet'
  | 'I will try later'
  | 'does it work now?'
  | 'maybe'
  | 'works on the phone but not on the laptop'
  | 'works, but only once'
  | 'the codes in a sentence'
  | 'codes labelled first and second'
  | 'code 1 / code 2 on their own lines'
  | 'a ticket number before the codes'
  | 'only one code'
  | 'the token response';

const WORKS = 'works';
const FAILS = 'fails';
const UNCLEAR = 'unclear';
type Outcome = typeof WORKS | typeof FAILS | typeof UNCLEAR | ParsedReply;

const TABLE: Readonly<Record<Language, Readonly<Record<Concept, string>>>> = {
  en: {
    'the word the bot asks for when it works': 'works',
    'yes, it works now, thanks': 'Yes, it works now, thanks!',
    'I can log in again': 'I can log in again.',
    'it worked, problem solved': 'It worked, problem solved.',
    'works, then a sign-off and a name': 'Works now!\n\nKind regards,\nAnna',
    'the words the bot asks for when it still fails': 'still failing',
    'it does not work': "It doesn't work.",
    'no, still the same error': 'No, still the same error.',
    'I still cannot log in': "I still can't log in.",
    'the code is still rejected': 'The code is still rejected.',
    'it stopped working': 'It stopped working again.',
    'it stopped working, with the verb for "stop"': 'It stopped working after lunch.',
    'not tried yet': "I haven't tried yet.",
    'I will try later': "OK, I'll try later.",
    'does it work now?': 'Does it work now?',
    maybe: 'Maybe',
    'works on the phone but not on the laptop': 'It works on my phone but not on my laptop.',
    'works, but only once': 'It worked once, then it failed again.',
    'the codes in a sentence': 'Here are the codes: 287082 359152',
    'codes labelled first and second': 'First code: 287082, second code: 359152',
    'code 1 / code 2 on their own lines': 'Code 1: 287 082\nCode 2: 359 152',
    'a ticket number before the codes': 'Ticket number 482133. The codes: 287082 359152',
    'only one code': 'The code is 287082',
    'the token response': 'The token shows 94287082',
  },
  de: {
    'the word the bot asks for when it works': 'funktioniert',
    'yes, it works now, thanks': 'Ja, es funktioniert jetzt, danke!',
    'I can log in again': 'Ich kann mich wieder anmelden.',
    'it worked, problem solved': 'Hat geklappt, Problem gelöst.',
    'works, then a sign-off and a name': 'Geht wieder!\n\nViele Grüße\nJonas',
    'the words the bot asks for when it still fails': 'geht immer noch nicht',
    'it does not work': 'Es funktioniert nicht.',
    'no, still the same error': 'Nein, immer noch der gleiche Fehler.',
    'I still cannot log in': 'Ich kann mich immer noch nicht anmelden.',
    'the code is still rejected': 'Der Code wird immer noch abgelehnt.',
    'it stopped working': 'Es klappt nicht mehr.',
    'it stopped working, with the verb for "stop"': 'Hat nach der Mittagspause aufgehört zu funktionieren.',
    'not tried yet': 'Habe es noch nicht ausprobiert.',
    'I will try later': 'OK, ich probiere es später.',
    'does it work now?': 'Funktioniert es jetzt?',
    maybe: 'Vielleicht',
    'works on the phone but not on the laptop': 'Auf dem Handy klappt es, aber nicht auf dem Laptop.',
    'works, but only once': 'Es hat einmal funktioniert, dann wieder nicht.',
    'the codes in a sentence': 'Hier sind die Codes: 287082 359152',
    'codes labelled first and second': 'Erster Code: 287082, zweiter Code: 359152',
    'code 1 / code 2 on their own lines': 'Code 1: 287 082\nCode 2: 359 152',
    'a ticket number before the codes': 'Ticketnummer 482133. Die Codes: 287082 359152',
    'only one code': 'Der Code ist 287082',
    'the token response': 'Das Token zeigt 94287082',
  },
  fr: {
    'the word the bot asks for when it works': 'ça marche',
    'yes, it works now, thanks': 'Oui, ça fonctionne maintenant, merci !',
    'I can log in again': 'Je peux me connecter à nouveau.',
    'it worked, problem solved': "Ça a marché, problème résolu.",
    'works, then a sign-off and a name': 'Ça marche !\n\nCordialement,\nClaire',
    'the words the bot asks for when it still fails': 'ça ne marche toujours pas',
    'it does not work': 'Ça ne fonctionne pas.',
    'no, still the same error': 'Non, toujours la même erreur.',
    'I still cannot log in': "Je n'arrive toujours pas à me connecter.",
    'the code is still rejected': 'Le code est toujours refusé.',
    'it stopped working': 'Ça ne marche plus.',
    'it stopped working, with the verb for "stop"': 'A cessé de fonctionner après le déjeuner.',
    'not tried yet': "Je n'ai pas encore essayé.",
    'I will try later': "D'accord, j'essaierai plus tard.",
    'does it work now?': 'Est-ce que ça marche maintenant ?',
    maybe: 'Peut-être',
    'works on the phone but not on the laptop': 'Ça marche sur mon téléphone mais pas sur mon ordinateur.',
    'works, but only once': 'Ça a marché une fois, puis plus rien.',
    'the codes in a sentence': 'Voici les codes : 287082 359152',
    'codes labelled first and second': 'Premier code : 287082, second code : 359152',
    'code 1 / code 2 on their own lines': 'Code 1 : 287 082\nCode 2 : 359 152',
    'a ticket number before the codes': 'Numéro de ticket 482133. Les codes : 287082 359152',
    'only one code': 'Le code est 287082',
    'the token response': 'Le jeton affiche 94287082',
  },
  nl: {
    'the word the bot asks for when it works': 'werkt',
    'yes, it works now, thanks': 'Ja, het werkt nu, bedankt!',
    'I can log in again': 'Ik kan weer inloggen.',
    'it worked, problem solved': 'Het is gelukt, probleem opgelost.',
    'works, then a sign-off and a name': 'Werkt weer!\n\nMet vriendelijke groet,\nSanne',
    'the words the bot asks for when it still fails': 'werkt nog steeds niet',
    'it does not work': 'Het werkt niet.',
    'no, still the same error': 'Nee, nog steeds dezelfde fout.',
    'I still cannot log in': 'Ik kan nog steeds niet inloggen.',
    'the code is still rejected': 'De code wordt nog steeds geweigerd.',
    'it stopped working': 'Het werkt niet meer.',
    'it stopped working, with the verb for "stop"': 'Is na de lunch gestopt met werken.',
    'not tried yet': 'Nog niet geprobeerd.',
    'I will try later': 'Oké, ik probeer het straks.',
    'does it work now?': 'Werkt het nu?',
    maybe: 'Misschien',
    'works on the phone but not on the laptop': 'Op mijn telefoon werkt het, maar niet op mijn laptop.',
    'works, but only once': 'Het werkte één keer, daarna weer niet.',
    'the codes in a sentence': 'Hier zijn de codes: 287082 359152',
    'codes labelled first and second': 'Eerste code: 287082, tweede code: 359152',
    'code 1 / code 2 on their own lines': 'Code 1: 287 082\nCode 2: 359 152',
    'a ticket number before the codes': 'Ticketnummer 482133. De codes: 287082 359152',
    'only one code': 'De code is 287082',
    'the token response': 'De token toont 94287082',
  },
  es: {
    'the word the bot asks for when it works': 'funciona',
    'yes, it works now, thanks': 'Sí, ya funciona, ¡gracias!',
    'I can log in again': 'Ya puedo entrar otra vez.',
    'it worked, problem solved': 'Funcionó, problema resuelto.',
    'works, then a sign-off and a name': '¡Ya funciona!\n\nUn saludo,\nJavier',
    'the words the bot asks for when it still fails': 'sigue sin funcionar',
    'it does not work': 'No funciona.',
    'no, still the same error': 'No, sigue el mismo error.',
    'I still cannot log in': 'Todavía no puedo entrar.',
    'the code is still rejected': 'El código sigue siendo rechazado.',
    'it stopped working': 'Dejó de funcionar otra vez.',
    'it stopped working, with the verb for "stop"': 'Dejó de funcionar después de comer.',
    'not tried yet': 'Todavía no lo he probado.',
    'I will try later': 'Vale, lo probaré más tarde.',
    'does it work now?': '¿Funciona ahora?',
    maybe: 'Quizás',
    'works on the phone but not on the laptop': 'Funciona en el móvil pero no en el portátil.',
    'works, but only once': 'Funcionó una vez y luego falló otra vez.',
    'the codes in a sentence': 'Aquí están los códigos: 287082 359152',
    'codes labelled first and second': 'Primer código: 287082, segundo código: 359152',
    'code 1 / code 2 on their own lines': 'Código 1: 287 082\nCódigo 2: 359 152',
    'a ticket number before the codes': 'Número de ticket 482133. Los códigos: 287082 359152',
    'only one code': 'El código es 287082',
    'the token response': 'El token muestra 94287082',
  },
};

const EXPECTED: Readonly<Record<Concept, readonly [ReplyExpectation, Outcome]>> = {
  'the word the bot asks for when it works': [RETEST, WORKS],
  'yes, it works now, thanks': [RETEST, WORKS],
  'I can log in again': [RETEST, WORKS],
  'it worked, problem solved': [RETEST, WORKS],
  'works, then a sign-off and a name': [RETEST, WORKS],
  'the words the bot asks for when it still fails': [RETEST, FAILS],
  'it does not work': [RETEST, FAILS],
  'no, still the same error': [RETEST, FAILS],
  'I still cannot log in': [RETEST, FAILS],
  'the code is still rejected': [RETEST, FAILS],
  'it stopped working': [RETEST, FAILS],
  'it stopped working, with the verb for "stop"': [RETEST, FAILS],
  'not tried yet': [RETEST, UNCLEAR],
  'I will try later': [RETEST, UNCLEAR],
  'does it work now?': [RETEST, UNCLEAR],
  maybe: [RETEST, UNCLEAR],
  'works on the phone but not on the laptop': [RETEST, UNCLEAR],
  'works, but only once': [RETEST, UNCLEAR],
  'the codes in a sentence': [CODES_6, PAIR],
  'codes labelled first and second': [CODES_6, PAIR],
  'code 1 / code 2 on their own lines': [CODES_6, PAIR],
  'a ticket number before the codes': [CODES_6, PAIR],
  'only one code': [CODES_6, { kind: 'unusable', problem: 'one_code' }],
  'the token response': [RESPONSE_8, { kind: 'response', response: '94287082' }],
};

function outcome(parsed: ParsedReply): Outcome {
  if (parsed.kind === 'retest') return parsed.outcome === 'works' ? WORKS : FAILS;
  if (parsed.kind === 'unusable' && parsed.problem === 'unclear') return UNCLEAR;
  return parsed;
}

const ROWS = LANGUAGES.flatMap((language) =>
  (Object.keys(EXPECTED) as Concept[]).map((concept) => [language, concept, TABLE[language][concept], ...EXPECTED[concept]] as const),
);

describe('the reply table, in every language', () => {
  it('has every row in every language', () => {
    for (const language of LANGUAGES) expect(Object.keys(TABLE[language]).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(ROWS)('%s: %s', (_language, _concept, text, expectation, expected) => {
    expect(outcome(parseReply(text, expectation))).toEqual(expected);
  });

  it.each(LANGUAGES)('%s: no failure, hedge or question of the table is read as "works"', (language) => {
    const wrong = (Object.keys(EXPECTED) as Concept[]).filter((concept) => {
      const [expectation, expected] = EXPECTED[concept];
      const parsed = parseReply(TABLE[language][concept], expectation);
      return expected !== WORKS && parsed.kind === 'retest' && parsed.outcome === 'works';
    });
    expect(wrong).toEqual([]);
  });
});
