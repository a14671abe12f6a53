import { z } from 'zod';

/** What the filter reads of an admin webhook: the issue's labels after the change, and a label change's own lists. */
const EventLabelsSchema = z.object({
  webhookEvent: z.string(),
  issue: z.object({ fields: z.object({ labels: z.array(z.string()) }) }),
  changelog: z
    .object({ items: z.array(z.object({ field: z.string(), fromString: z.string().nullish(), toString: z.string().nullish() })) })
    .nullish(),
});

/** Labels added and removed by a changelog item of field `labels` (Jira writes them space-separated). */
export function labelChange(from: string | null | undefined, to: string | null | undefined): { added: string[]; removed: string[] } {
  const split = (s: string | null | undefined) => new Set((s ?? '').split(/\s+/).filter(Boolean).map((l) => l.toLowerCase()));
  const before = split(from);
  const after = split(to);
  return { added: [...after].filter((l) => !before.has(l)), removed: [...before].filter((l) => !after.has(l)) };
}

/**
 * True for an admin webhook about an issue the bot has no business with, decided from the signed body alone (no API
 * call, no Redis write): neither its labels nor a label change carry the watch label. A new issue is judged by the
 * API when a request type is watched too (its type is not in the body); a body without labels is not judged here.
 */
export function isUnwatchedJiraEvent(body: unknown, watchLabel: string, requestTypeWatched: boolean): boolean {
  const parsed = EventLabelsSchema.safeParse(body);
  if (!parsed.success) return false;
  const { webhookEvent, issue, changelog } = parsed.data;
  if (requestTypeWatched && webhookEvent === 'jira:issue_created') return false;
  const label = watchLabel.toLowerCase();
  if (issue.fields.labels.some((l) => l.toLowerCase() === label)) return false;
  for (const item of changelog?.items ?? []) {
    if (item.field !== 'labels') continue;
    const { added, removed } = labelChange(item.fromString, item.toString);
    if (added.includes(label) || removed.includes(label)) return false;
  }
  return true;
}
