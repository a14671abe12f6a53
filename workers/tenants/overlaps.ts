import type { Policy } from '../../workflows/resync/index.js';
import type { TenantConfig } from './tenant-config.js';

const RULES = [
  ['organizations', 'organization'],
  ['emailDomains', 'email domain'],
  ['tags', 'tag'],
] as const;

/**
 * Values two tenants both route by: a ticket carrying one would match both, so it could never be routed. Each
 * problem names both tenants and the value (ids, domains and tags are not secrets).
 */
export function overlaps(tenants: readonly Pick<TenantConfig, 'id' | 'match'>[]): string[] {
  const problems: string[] = [];
  for (const [rule, what] of RULES) {
    const owner = new Map<string, string>();
    for (const t of tenants) {
      for (const value of t.match[rule]) {
        const first = owner.get(value);
        if (first === undefined) owner.set(value, t.id);
        else problems.push(`tenants '${first}' and '${t.id}', match.${rule}: ${what} '${value}' is in both, so its tickets would match both and never be routed: keep it in one`);
      }
    }
  }
  return problems;
}

const BOT_TAGS = ['watchTag', 'approveTag', 'rejectTag', 'handoffTag', 'escalatedTag', 'resolvedTag'] as const;

/** A routing tag that is one of the bot's own would route every ticket the bot touches to this tenant. */
export function botTagsIn(tags: readonly string[], policy: Policy): string[] {
  return BOT_TAGS.filter((k) => tags.includes(policy[k].toLowerCase())).map((k) => `'${policy[k].toLowerCase()}' is the bot's own tag (policy.${k}): route by a tag of the customer`);
}
