import type { Language } from './language.js';

/*
 * Which of the bot's languages a short message is written in, from the common words of each: articles, pronouns,
 * negations, greetings and the words of a login problem. Requesters write a line or two ("Hier die Codes", "ça ne
 * marche toujours pas"), too little for the letter statistics general detectors use, which also name languages the
 * bot does not speak (a Portuguese "não funciona" would come back as Portuguese or, worse, Spanish, with confidence).
 * Words shared by two languages count for both; a language wins only with two words or more and twice the score of
 * the next, otherwise the answer is "cannot tell" and the reply language stays as it was.
 */
const COMMON_WORDS: Readonly<Record<Language, string>> = {
  en:
    "the a an and is it it's its not my i i'm i've you your this that with for have has had can can't cannot does doesn't don't didn't " +
    'work works working worked still failing fails failed thanks thank please hello hi here are was what again now login log sign ' +
    'yes no sorry code codes issue problem help of to on first second we',
  de:
    'der die das den dem und ist nicht ich mein meine es funktioniert funktionieren geht klappt noch immer mit bitte danke hallo ' +
    'wieder kann mich anmelden einloggen sich ein eine einen auf für hier jetzt sind habe hat keine kein wird leider grüße gruß ' +
    'schon auch aber ja nein codes zwei erste zweite problem hilfe',
  fr:
    "le la les de et est je ne pas mon ma mes vous votre merci bonjour ça ca marche fonctionne fonctionné toujours encore avec pour une " +
    "un des du sur c'est j'ai voici plus qui que mais oui non connexion connecter code codes deux premier seconde problème aide " +
    "n'est n'arrive arrive",
  nl:
    'het de een en is niet ik mijn werkt werken nog steeds wel bedankt dank hallo hoi graag kan met voor op dit dat weer inloggen ' +
    'u uw je we wij zijn heb hebben kunt bent geen maar nu hier ja nee codes twee eerste tweede probleem lukt gelukt ' +
    'antwoord dus er ze om als naar uit bij ook van tot wacht alleen welke deze',
  es:
    'el la los las de y es no mi mis funciona funcionar sigue sin gracias hola por favor con para una un del que ya todavía aún está ' +
    'puedo iniciar sesión códigos código aquí pero también sí dos primer segundo problema ayuda',
};

const WORDS: ReadonlyMap<string, readonly Language[]> = (() => {
  const map = new Map<string, Language[]>();
  for (const [language, words] of Object.entries(COMMON_WORDS) as Array<[Language, string]>) {
    for (const word of new Set(words.split(' '))) map.set(word, [...(map.get(word) ?? []), language]);
  }
  return map;
})();

// Letters only one of the languages uses; each counts as a word of that language.
const LETTERS: ReadonlyArray<readonly [RegExp, Language]> = [
  [/ß/, 'de'],
  [/[ñ¿¡]/, 'es'],
  [/[çœ]/, 'fr'],
];

/** Reads at most this much: the start of a message says which language it is in. */
const TEXT_LIMIT = 2_000;

/** The language of `text`, or undefined when it cannot tell (too few words, a tie, a language the bot does not speak). */
export function detectLanguage(text: string): Language | undefined {
  const sample = text.slice(0, TEXT_LIMIT).toLowerCase().replace(/[’‘`´]/g, "'");
  const score: Record<Language, number> = { en: 0, de: 0, fr: 0, nl: 0, es: 0 };
  for (const word of sample.match(/[\p{L}']+/gu) ?? []) {
    for (const language of WORDS.get(word.replace(/^'+|'+$/g, '')) ?? []) score[language] += 1;
  }
  for (const [letters, language] of LETTERS) if (letters.test(sample)) score[language] += 1;
  const ranked = (Object.entries(score) as Array<[Language, number]>).sort((a, b) => b[1] - a[1]);
  const [best, next] = ranked;
  if (!best || best[1] < 2 || best[1] < 2 * (next?.[1] ?? 0)) return undefined;
  return best[0];
}
