import { dirname, resolve } from 'node:path';
import { DESKS, type Desk, escalationTargetProblem } from '../../integrations/ticketing/escalation-target.js';
import type { Policy } from '../../workflows/resync/index.js';
import { digestOf } from './digest.js';
import { fieldOf, type FieldProblem } from './field-problem.js';
import { botTagsIn, overlaps } from './overlaps.js';
import { checkPlatformSettings } from './platform-settings.js';
import { resolveSettings } from './resolve-settings.js';
import type { TenantConfig, TenantSet } from './tenant-config.js';
import { TenantEntrySchema, TENANT_ID, TenantsFileSchema } from './tenants-file-schema.js';
import { tenantPolicy } from './tenant-policy.js';
import { TenantsFileError } from './tenants-file-error.js';

/** Problems reported at most: past this many the file needs a closer look anyway. */
const MAX_PROBLEMS = 25;

function capped(problems: string[]): string[] {
  return problems.length <= MAX_PROBLEMS ? problems : [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more problems`];
}

function labelOf(raw: unknown, index: number): string {
  const id = raw !== null && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' && TENANT_ID.test(id) ? `tenant '${id}'` : `tenant at index ${index}`;
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

/** The ticket system TICKET_SYSTEM names; none for a name workers/config.ts refuses anyway. */
function deskOf(env: NodeJS.ProcessEnv): Desk | undefined {
  const named = env.TICKET_SYSTEM || 'local';
  return DESKS.find((d) => d === named);
}

/** One tenant entry: validated, references resolved, policy merged; or the problems, each naming a field. */
function parseTenant(raw: unknown, basePolicy: Policy, env: NodeJS.ProcessEnv, baseDir: string): TenantConfig | FieldProblem[] {
  const parsed = TenantEntrySchema.safeParse(raw);
  if (!parsed.success) return parsed.error.issues.map((i) => ({ field: fieldOf('', i.path) || '(tenant)', message: i.message }));
  const entry = parsed.data;
  const problems: FieldProblem[] = [];
  const { organizations, emailDomains, tags } = entry.match;
  if (organizations.length + emailDomains.length + tags.length === 0) {
    problems.push({ field: 'match', message: 'give at least one organization, email domain or tag: no ticket could ever be routed to this tenant' });
  }
  const { settings, problems: settingProblems } = resolveSettings(entry.platform.kind, entry.platform.settings, env, baseDir);
  problems.push(...settingProblems);
  if (settingProblems.length === 0) problems.push(...checkPlatformSettings(entry.platform.kind, settings));
  const { policy, problems: policyProblems } = tenantPolicy(basePolicy, entry.policy);
  problems.push(...policyProblems);
  if (policy) problems.push(...botTagsIn(tags, policy).map((message) => ({ field: 'match.tags', message })));
  const desk = deskOf(env);
  const target = desk !== undefined && policy?.escalationTarget !== undefined ? escalationTargetProblem(desk, policy.escalationTarget) : undefined;
  if (target !== undefined) problems.push({ field: 'policy.escalationTarget', message: `${target} (TICKET_SYSTEM=${desk})` });
  if (problems.length > 0 || !policy) return problems;
  const platform = { kind: entry.platform.kind, settings };
  const platformDigest = digestOf(platform);
  const meaning = {
    id: entry.id,
    name: entry.name ?? entry.id,
    match: { organizations: sorted(organizations), emailDomains: sorted(emailDomains), tags: sorted(tags) },
    platformDigest,
    policy,
    concurrency: entry.concurrency,
  };
  return {
    id: entry.id,
    name: entry.name ?? entry.id,
    match: { organizations, emailDomains, tags },
    platform,
    policy,
    concurrency: entry.concurrency,
    digest: digestOf(meaning),
    platformDigest,
  };
}

/**
 * Validates a parsed tenants file (`raw`: the YAML or JSON document) against the global policy. `origin` is the
 * file's path: `{file: path}` references are relative to its folder. Throws TenantsFileError listing every problem,
 * each naming the tenant (its id, or its index when the id is missing) and the field, never a secret's value.
 */
export function parseTenants(raw: unknown, basePolicy: Policy, env: NodeJS.ProcessEnv, origin: string): TenantSet {
  const top = TenantsFileSchema.safeParse(raw);
  if (!top.success) {
    throw new TenantsFileError(capped(top.error.issues.map((i) => `${fieldOf('', i.path) || origin}: ${i.message}`)));
  }
  const baseDir = dirname(resolve(origin));
  const problems: string[] = [];
  const tenants: TenantConfig[] = [];
  const firstIndex = new Map<string, number>();
  top.data.tenants.forEach((rawTenant, index) => {
    const label = labelOf(rawTenant, index);
    const result = parseTenant(rawTenant, basePolicy, env, baseDir);
    if (Array.isArray(result)) {
      problems.push(...result.map((p) => `${label}, ${p.field}: ${p.message}`));
      return;
    }
    const earlier = firstIndex.get(result.id);
    if (earlier !== undefined) problems.push(`${label}, id: also the id of the tenant at index ${earlier}; ids must be unique`);
    else firstIndex.set(result.id, index);
    tenants.push(result);
  });
  problems.push(...overlaps(tenants));
  if (problems.length > 0) throw new TenantsFileError(capped(problems));
  return {
    tenants,
    byId: new Map(tenants.map((t) => [t.id, t])),
    digest: digestOf(tenants.map((t) => t.digest).sort()),
  };
}
