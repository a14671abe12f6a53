import { GroupMappingSchema, type Policy, PolicySchema, templateOverrideProblems } from '../../workflows/resync/index.js';
import { fieldOf, type FieldProblem } from './field-problem.js';

const POLICY_KEYS = new Set(Object.keys(PolicySchema.shape));
const GROUP_MAPPING_KEYS = new Set(Object.keys(GroupMappingSchema.unwrap().shape));

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Objects merge key by key; anything else (arrays included) replaces; `null` removes the key, so its default applies. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isRecord(v) && isRecord(out[k])) out[k] = deepMerge(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

/**
 * The tenant's policy: the global one with the tenant's overrides merged in, parsed again. `watchTag` stays global:
 * it decides whether a ticket is the bot's at all, before any routing. Unknown keys are refused, so a misspelt
 * override cannot silently leave the global value in force.
 */
export function tenantPolicy(base: Policy, overrides: Record<string, unknown>): { policy?: Policy; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(overrides)) {
    if (key === 'watchTag') {
      problems.push({ field: 'policy.watchTag', message: "cannot be set per tenant: it decides whether a ticket is the bot's at all, before the ticket is routed (set it in POLICY_FILE)" });
    } else if (!POLICY_KEYS.has(key)) {
      problems.push({ field: `policy.${key}`, message: 'not a policy setting (see workflows/resync/policy.ts)' });
    }
  }
  const mapping = overrides.groupMapping;
  if (isRecord(mapping)) {
    for (const key of Object.keys(mapping)) {
      if (!GROUP_MAPPING_KEYS.has(key)) problems.push({ field: `policy.groupMapping.${key}`, message: `not a group mapping setting (${[...GROUP_MAPPING_KEYS].join(', ')})` });
    }
  }
  if (problems.length > 0) return { problems };
  const parsed = PolicySchema.safeParse(deepMerge(base as unknown as Record<string, unknown>, overrides));
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => ({ field: fieldOf('policy', i.path), message: i.message })) };
  // A template that would break a message is refused here, at start-up or reload, not in front of a requester.
  const templates = templateOverrideProblems(parsed.data);
  if (templates.length > 0) return { problems: templates.map((t) => ({ field: `policy.templates.${t.language}.${t.template}`, message: t.message })) };
  return { policy: parsed.data, problems };
}
