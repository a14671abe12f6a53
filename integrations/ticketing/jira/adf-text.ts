import { z } from 'zod';

/**
 * An Atlassian Document Format node, as the v3 API gives a rich-text field such as an issue's `description`: a tree of
 * nodes with a `type`, text nodes with their `text`, others with `content`
 * (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/). Only what text extraction reads.
 */
export interface AdfNode {
  type: string;
  text?: string | undefined;
  content?: AdfNode[] | undefined;
}

export const AdfNodeSchema: z.ZodType<AdfNode> = z.lazy(() =>
  z.object({
    type: z.string(),
    text: z.string().optional(),
    content: z.array(AdfNodeSchema).optional(),
  }),
);

/** Block nodes whose text reads as lines of its own: a word never runs into the next paragraph's. */
const BLOCKS = new Set(['paragraph', 'heading', 'listItem', 'blockquote', 'codeBlock', 'tableCell', 'hardBreak', 'rule']);

/**
 * The text of a document, in reading order, up to `limit` characters: a requester's description is read for its
 * language, and its start says which one it is in, so a long one is not walked to its end.
 */
export function adfPlainText(doc: AdfNode, limit: number): string {
  let out = '';
  const walk = (node: AdfNode): void => {
    if (out.length >= limit) return;
    if (node.text !== undefined) out += node.text;
    for (const child of node.content ?? []) walk(child);
    if (BLOCKS.has(node.type) && !out.endsWith('\n')) out += '\n';
  };
  walk(doc);
  return out.slice(0, limit).trim();
}
