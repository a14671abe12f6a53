import type { TicketSnapshot } from '../../workflows/resync/index.js';
import type { TenantConfig, TenantSet } from './tenant-config.js';

export type RouteRule = 'organization' | 'emailDomain' | 'tag';

export type Route =
  | { kind: 'tenant'; tenant: TenantConfig; by: RouteRule }
  | { kind: 'none'; reason: string }
  | { kind: 'ambiguous'; tenants: string[]; reason: string };

const RULE_WORDS: Record<RouteRule, string> = { organization: 'organization', emailDomain: 'email domain', tag: 'tag' };
/** The order `by` reports when one tenant matches by several rules: the most specific first. */
const RULE_ORDER: readonly RouteRule[] = ['organization', 'emailDomain', 'tag'];

/** Reasons go into an internal note: a requester-controlled value is cut short and kept on one line. */
function shown(value: string): string {
  const flat = value.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}

/** The domain of the requester's address, as the ticket system vouches for it; none without an `@`. */
export function emailDomainOf(email: string | undefined): string | undefined {
  const at = email?.lastIndexOf('@') ?? -1;
  if (email === undefined || at < 0) return undefined;
  const domain = email.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
  return domain === '' ? undefined : domain;
}

/**
 * The one tenant a ticket belongs to, by its organization (the ticket system's customer id), its requester's
 * email domain and its tags. Every rule is consulted: two tenants matching, by the same rule or by different ones,
 * is ambiguous, and nothing matching is none: a human decides, the bot never guesses. Pure: no I/O.
 */
export function routeTicket(ticket: TicketSnapshot, set: TenantSet): Route {
  const organization = ticket.organization?.id;
  const domain = emailDomainOf(ticket.requester.email);
  const tags = new Set(ticket.tags.map((t) => t.trim().toLowerCase()));
  const matches = new Map<string, { tenant: TenantConfig; rules: Array<{ rule: RouteRule; value: string }> }>();
  const add = (tenant: TenantConfig, rule: RouteRule, value: string): void => {
    const m = matches.get(tenant.id) ?? { tenant, rules: [] };
    m.rules.push({ rule, value });
    matches.set(tenant.id, m);
  };
  for (const tenant of set.tenants) {
    if (organization !== undefined && tenant.match.organizations.includes(organization)) add(tenant, 'organization', organization);
    if (domain !== undefined && tenant.match.emailDomains.includes(domain)) add(tenant, 'emailDomain', domain);
    for (const tag of tenant.match.tags) if (tags.has(tag)) add(tenant, 'tag', tag);
  }
  const found = [...matches.values()].sort((a, b) => (a.tenant.id < b.tenant.id ? -1 : 1));
  const only = found.length === 1 ? found[0] : undefined;
  if (only) {
    const by = RULE_ORDER.find((r) => only.rules.some((m) => m.rule === r)) ?? 'tag';
    return { kind: 'tenant', tenant: only.tenant, by };
  }
  if (found.length > 1) {
    const ids = found.map((m) => m.tenant.id);
    const why = found.map((m) => `'${m.tenant.id}' (${m.rules.map((r) => `${RULE_WORDS[r.rule]} ${shown(r.value)}`).join(', ')})`);
    return {
      kind: 'ambiguous',
      tenants: ids,
      reason: `the ticket matches ${ids.length} tenants: ${why.join(', ')}; the bot does not guess which customer it is for: set the ticket's organization or fix the overlap in TENANTS_FILE`,
    };
  }
  const looked = [
    ...(organization !== undefined ? [`organization ${shown(organization)}`] : []),
    ...(domain !== undefined ? [`email domain ${shown(domain)}`] : []),
    ...(tags.size > 0 ? ["the ticket's tags"] : []),
  ];
  const fix = 'add the customer to TENANTS_FILE, or hand the ticket to the team it is for';
  if (looked.length === 0) return { kind: 'none', reason: `the ticket has no organization, no requester email domain and no tags to tell its customer by: ${fix}` };
  const last = looked.pop() as string;
  return { kind: 'none', reason: `no tenant matches ${looked.length > 0 ? `${looked.join(', ')} or ${last}` : last}: ${fix}` };
}
