import { LANGUAGES, type Language } from './language.js';
import { CATALOGUES } from './messages/index.js';
import type { Policy } from './policy.js';
import { DEFAULT_TEMPLATES, TEMPLATE_NAMES, isReplyName, type TemplateName } from './templates.js';

/** What is wrong with one of policy.templates' texts, for the start-up error (workers/config.ts, tenant policies). */
export interface TemplateOverrideProblem {
  language: string;
  template: string;
  placeholder?: string;
  message: string;
}

const KNOWN: ReadonlySet<string> = new Set(TEMPLATE_NAMES);
const REPLY_LANGUAGES: ReadonlySet<string> = new Set(LANGUAGES);
// i18next's forms too: "{{ name }}", "{{- name}}", "{{name, format}}"; the name is what counts.
const PLACEHOLDER = /\{\{-?\s*([^{}]*?)\s*\}\}/g;

function placeholders(text: string): Set<string> {
  return new Set([...text.matchAll(PLACEHOLDER)].map((m) => (m[1] ?? '').split(',')[0]?.trim() ?? ''));
}

/**
 * Every operator text that would break a message: a name that is no template, a reply in a language the bot does not
 * reply in, and a placeholder missing from, or added to, what the catalogue's text (a reply's, in that language) or
 * the default note has. A missing placeholder leaves out what the requester needs (the challenge, the number of
 * digits); an added one would render empty. Empty: every override is sound.
 */
export function templateOverrideProblems(policy: Pick<Policy, 'templates'>): TemplateOverrideProblem[] {
  const problems: TemplateOverrideProblem[] = [];
  for (const [language, texts] of Object.entries(policy.templates)) {
    for (const [template, text] of Object.entries(texts)) {
      if (!KNOWN.has(template)) {
        problems.push({ language, template, message: 'not a template name (replies: workflows/resync/messages/en.ts; notes: workflows/resync/templates.ts)' });
        continue;
      }
      const name = template as TemplateName;
      let reference: string;
      if (isReplyName(name)) {
        if (!REPLY_LANGUAGES.has(language)) {
          problems.push({ language, template, message: `the bot replies only in ${LANGUAGES.join(', ')}, so this reply would never be sent` });
          continue;
        }
        reference = CATALOGUES[language as Language][name];
      } else {
        reference = DEFAULT_TEMPLATES[name];
      }
      const expected = placeholders(reference);
      const given = placeholders(text);
      for (const p of expected) {
        if (!given.has(p)) problems.push({ language, template, placeholder: p, message: `the placeholder {{${p}}} is missing (the catalogue's text has it)` });
      }
      for (const p of given) {
        if (!expected.has(p)) problems.push({ language, template, placeholder: p, message: `the placeholder {{${p}}} is not one this text has (it would render empty): use ${[...expected].map((e) => `{{${e}}}`).join(', ') || 'none'}` });
      }
    }
  }
  return problems;
}
