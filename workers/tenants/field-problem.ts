/** One thing wrong with a tenant: the field's path inside the tenant (`platform.settings.STA_API_KEY`) and why. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** `policy.groupMapping.defaultGroup` from a zod issue path. */
export function fieldOf(prefix: string, path: readonly PropertyKey[]): string {
  return [prefix, ...path.map(String)].filter(Boolean).join('.');
}
