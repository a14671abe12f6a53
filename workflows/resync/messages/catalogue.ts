import type { en } from './en.js';

/** The name of a reply the requester reads (never an internal note's). */
export type ReplyName = keyof typeof en;

/** One language's replies: every name, with the placeholders of the English text. */
export type Catalogue = Readonly<Record<ReplyName, string>>;
