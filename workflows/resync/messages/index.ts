import type { Catalogue } from './catalogue.js';
import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { nl } from './nl.js';

export type { Catalogue, ReplyName } from './catalogue.js';
export { en as ENGLISH_REPLIES } from './en.js';

/** Every language the bot replies in, with its catalogue; English is the source the others follow. */
export const CATALOGUES = { en, de, fr, nl, es } as const satisfies Readonly<Record<string, Catalogue>>;
