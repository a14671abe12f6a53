import i18next from 'i18next';
import { LANGUAGES, type Language } from './language.js';
import { CATALOGUES, type ReplyName } from './messages/index.js';
import type { Policy } from './policy.js';
import { GREETING_FALLBACK } from './sanitize.js';

type Vars = Readonly<Record<string, string | number | undefined>>;

const NAMESPACE = 'replies';
/** Stands for a name the requester did not give; removed with the space before it ("Hallo {{firstName}}," → "Hallo,"). */
const NO_NAME = '\uE0FF';
const NO_NAME_WITH_SPACE = / ?\uE0FF/g;

/*
 * One i18next instance for the process, built from the catalogues in memory: init with resources and
 * initAsync false finishes before it returns (no backend, no I/O), and t() reads the same immutable resources for
 * every call, so a reply depends on nothing but its name, language and values. Replies are plain text, so values are
 * not HTML-escaped; a value that looks like nesting ("$t(…)") is left as written (skipOnVariables), and a missing
 * value renders empty rather than as braces in front of a customer.
 */
const i18n = i18next.createInstance();
void i18n.init({
  resources: Object.fromEntries(Object.entries(CATALOGUES).map(([lng, replies]) => [lng, { [NAMESPACE]: replies }])),
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  ns: [NAMESPACE],
  defaultNS: NAMESPACE,
  initAsync: false,
  keySeparator: false,
  nsSeparator: false,
  returnNull: false,
  interpolation: { escapeValue: false, skipOnVariables: true },
  missingInterpolationHandler: () => '',
});

/**
 * A reply in `language`: the operator's text for that language and name when policy has one (validated at start-up,
 * see language-overrides.ts), else the catalogue's. Greeting a requester whose name is unknown: English keeps
 * "Hello there"; the other languages greet without a name ("Hallo,", "Bonjour,").
 */
export function renderReply(name: ReplyName, vars: Vars, policy: Pick<Policy, 'templates'>, language: Language): string {
  const values: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(vars)) if (value !== undefined) values[key] = typeof value === 'string' ? value.replaceAll(NO_NAME, '') : value;
  if (language !== 'en' && values.firstName === GREETING_FALLBACK) values.firstName = NO_NAME;
  const override = policy.templates[language]?.[name];
  const text =
    override !== undefined
      ? i18n.services.interpolator.interpolate(override, values, language, {})
      : i18n.t(name, { lng: language, replace: values });
  return text.replace(NO_NAME_WITH_SPACE, '').trim();
}

/** The catalogue's text itself, before any value is filled in (for checks and for readers of replies, such as the demo's users). */
export function catalogueText(name: ReplyName, language: Language): string {
  return CATALOGUES[language][name];
}
