import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTenants } from '../../workers/tenants/parse-tenants.js';
import { emailDomainOf, routeTicket } from '../../workers/tenants/route.js';
import type { TenantSet } from '../../workers/tenants/tenant-config.js';
import type { TicketSnapshot } from '../../workflows/resync/model.js';
import { parsePolicy } from '../../workflows/resync/policy.js';

const BASE = parsePolicy();

function tenantSet(tenants: Array<{ id: string; organizations?: string[]; emailDomains?: string[]; tags?: string[] }>): TenantSet {
  return parseTenants({ tenants: tenants.map(({ id, ...match }) => ({ id, match, platform: { kind: 'local' } })) }, BASE, {}, '/etc/twofa/tenants.yaml');
}

function ticket(over: { organization?: string; email?: string; tags?: string[] } = {}): TicketSnapshot {
  return {
    system: 'local',
    id: 't1',
    subject: 'Cannot log in',
    status: 'new',
    tags: ['2fa_issue', ...(over.tags ?? [])],
    requester: { id: 'r1', ...(over.email !== undefined ? { email: over.email } : {}) },
    ...(over.organization !== undefined ? { organization: { id: over.organization } } : {}),
  };
}

const MSP = tenantSet([
  { id: 'acme', organizations: ['4711'], emailDomains: ['acme.example'], tags: ['customer_acme'] },
  { id: 'beta', organizations: ['4712'], emailDomains: ['beta.example'] },
  { id: 'gamma', tags: ['customer_gamma'] },
]);

describe('routeTicket', () => {
  describe('one tenant matches', () => {
    it('routes by organization', () => {
      expect(routeTicket(ticket({ organization: '4711' }), MSP)).toMatchObject({ kind: 'tenant', tenant: { id: 'acme' }, by: 'organization' });
    });

    it("routes by the requester's email domain, in any case", () => {
      expect(routeTicket(ticket({ email: 'Bob@BETA.Example' }), MSP)).toMatchObject({ kind: 'tenant', tenant: { id: 'beta' }, by: 'emailDomain' });
    });

    it('routes by a tag, in any case', () => {
      expect(routeTicket(ticket({ tags: ['Customer_Gamma'] }), MSP)).toMatchObject({ kind: 'tenant', tenant: { id: 'gamma' }, by: 'tag' });
    });

    it('says organization when the same tenant matches by several rules', () => {
      expect(routeTicket(ticket({ organization: '4711', email: 'a@acme.example', tags: ['customer_acme'] }), MSP)).toMatchObject({ kind: 'tenant', tenant: { id: 'acme' }, by: 'organization' });
      expect(routeTicket(ticket({ email: 'a@acme.example', tags: ['customer_acme'] }), MSP)).toMatchObject({ by: 'emailDomain' });
    });

    it('does not take a subdomain for the domain', () => {
      expect(routeTicket(ticket({ email: 'a@eu.acme.example' }), MSP)).toMatchObject({ kind: 'none' });
    });

    it('uses the last @ of the address', () => {
      expect(emailDomainOf('"odd@acme.example"@beta.example')).toBe('beta.example');
      expect(emailDomainOf('no-at-sign')).toBeUndefined();
      expect(emailDomainOf('trailing@')).toBeUndefined();
    });
  });

  describe('no tenant matches', () => {
    it('says what it looked at, for the internal note', () => {
      const r = routeTicket(ticket({ organization: '9999', email: 'x@delta.example', tags: ['vip'] }), MSP);
      expect(r).toEqual({ kind: 'none', reason: "no tenant matches organization 9999, email domain delta.example or the ticket's tags: add the customer to TENANTS_FILE, or hand the ticket to the team it is for" });
    });

    it('says when the ticket has nothing to route by', () => {
      const r = routeTicket({ ...ticket(), tags: [] }, MSP);
      expect(r).toMatchObject({ kind: 'none', reason: expect.stringContaining('the ticket has no organization, no requester email domain and no tags') });
    });

    it('keeps a long requester-controlled value short and on one line', () => {
      const r = routeTicket(ticket({ email: `x@${'a'.repeat(200)}\n.example` }), MSP);
      expect(r.kind).toBe('none');
      if (r.kind === 'none') {
        expect(r.reason).not.toContain('\n');
        expect(r.reason.length).toBeLessThan(250);
      }
    });
  });

  describe('two tenants match', () => {
    it('is ambiguous by different rules, naming both and why', () => {
      const r = routeTicket(ticket({ organization: '4711', email: 'consultant@beta.example' }), MSP);
      expect(r).toMatchObject({ kind: 'ambiguous', tenants: ['acme', 'beta'] });
      if (r.kind === 'ambiguous') expect(r.reason).toContain("'acme' (organization 4711), 'beta' (email domain beta.example)");
    });

    it('is ambiguous by two tags', () => {
      expect(routeTicket(ticket({ tags: ['customer_gamma', 'customer_acme'] }), MSP)).toMatchObject({ kind: 'ambiguous', tenants: ['acme', 'gamma'] });
    });
  });

  describe('properties', () => {
    /**
     * Tenants with disjoint rule values; the ticket is built by choosing, for its organization, its domain and each
     * of its tags, either a tenant's value or a foreign one. The expected tenants come from those choices, not from
     * a lookup.
     */
    const scenario = fc
      .integer({ min: 1, max: 6 })
      .chain((n) =>
        fc.record({
          n: fc.constant(n),
          org: fc.option(fc.integer({ min: -1, max: n - 1 }), { nil: undefined }),
          domain: fc.option(fc.integer({ min: -1, max: n - 1 }), { nil: undefined }),
          tags: fc.array(fc.integer({ min: -1, max: n - 1 }), { maxLength: 4 }),
          upper: fc.boolean(),
        }),
      );

    it('routes to the one tenant matched, is ambiguous with two or more, and none with none', () => {
      fc.assert(
        fc.property(scenario, ({ n, org, domain, tags, upper }) => {
          const set = tenantSet(Array.from({ length: n }, (_, i) => ({ id: `t${i}`, organizations: [`org-${i}`], emailDomains: [`c${i}.example`], tags: [`tag_${i}`, `alt_${i}`] })));
          const pick = (i: number, mine: string, foreign: string) => (i < 0 ? foreign : mine);
          const caseOf = (s: string) => (upper ? s.toUpperCase() : s);
          const t = ticket({
            ...(org !== undefined ? { organization: pick(org, `org-${org}`, 'org-foreign') } : {}),
            ...(domain !== undefined ? { email: `user@${caseOf(pick(domain, `c${domain}.example`, 'foreign.example'))}` } : {}),
            tags: tags.map((i) => caseOf(pick(i, `tag_${i}`, 'unrelated'))),
          });
          const expected = new Set([org, domain, ...tags].filter((i): i is number => i !== undefined && i >= 0).map((i) => `t${i}`));
          const r = routeTicket(t, set);
          if (expected.size === 0) expect(r.kind).toBe('none');
          else if (expected.size === 1) expect(r).toMatchObject({ kind: 'tenant', tenant: { id: [...expected][0] } });
          else expect(r).toMatchObject({ kind: 'ambiguous', tenants: [...expected].sort() });
        }),
        { numRuns: 500 },
      );
    });

    it('never depends on the order of the tenants in the file', () => {
      fc.assert(
        fc.property(fc.shuffledSubarray(['a', 'b', 'c', 'd'], { minLength: 4, maxLength: 4 }), fc.subarray(['tag_a', 'tag_b', 'tag_c', 'tag_d', 'other']), (order, tags) => {
          const set = tenantSet(order.map((id) => ({ id, tags: [`tag_${id}`] })));
          const sorted = tenantSet(['a', 'b', 'c', 'd'].map((id) => ({ id, tags: [`tag_${id}`] })));
          const a = routeTicket(ticket({ tags }), set);
          const b = routeTicket(ticket({ tags }), sorted);
          expect(a.kind).toBe(b.kind);
          if (a.kind === 'tenant' && b.kind === 'tenant') expect(a.tenant.id).toBe(b.tenant.id);
          if (a.kind !== 'tenant' && b.kind !== 'tenant') expect(a.reason).toBe(b.reason);
        }),
      );
    });
  });
});
