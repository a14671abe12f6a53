import { z } from 'zod';
import type { Policy } from './policy.js';

/** The languages the bot replies in: each has a catalogue in messages/ and words the reply parser reads. */
export const LANGUAGES = ['en', 'de', 'fr', 'nl', 'es'] as const;
export const LanguageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof LanguageSchema>;

/**
 * Where the reply language came from: `locale`, the requester's locale as the ticket system keeps it (it vouches for
 * it, and the requester set it or an agent did); `message`, the requester's own words (the ticket's description or a
 * comment); `subject`, the ticket's subject
 * (a first guess that the requester's first message that tells overrides).
 */
export const LanguageSourceSchema = z.enum(['locale', 'message', 'subject']);
export type LanguageSource = z.infer<typeof LanguageSourceSchema>;

/**
 * A locale as the ticket system sends it, kept to the shape of a BCP-47 tag: a language subtag, then subtags of
 * letters and digits ("de", "fr-CA", "es-419", "zh-Hant-TW"); Zendesk sends lower case ("en-us"), some desks "_".
 */
export const LocaleSchema = z
  .string()
  .max(35)
  .regex(/^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}$/, 'a BCP-47 language tag such as de or fr-CA');

/** The locale in the snapshot's shape, or undefined when the desk's value is not one: an odd value costs the hint, not the ticket. */
export function normaliseLocale(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const parsed = LocaleSchema.safeParse(raw.trim());
  return parsed.success ? parsed.data.replace(/_/g, '-') : undefined;
}

/** The language of a locale when the bot replies in it ("de-AT" → de), else undefined ("pt-BR"). */
export function languageOfLocale(locale: string | undefined): Language | undefined {
  if (locale === undefined) return undefined;
  const primary = locale.split(/[-_]/)[0]?.toLowerCase();
  return LanguageSchema.safeParse(primary).data;
}

/** The language of the deployment (or tenant) for requesters whose language is not known: policy.language, else English. */
export function defaultReplyLanguage(policy: Pick<Policy, 'language'>): Language {
  return languageOfLocale(policy.language) ?? 'en';
}
