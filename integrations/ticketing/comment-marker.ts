import { createHash } from 'node:crypto';

/** Which of a step's comments a marker names: a desk that takes one comment per write may post two for a step. */
export type CommentPart = 'reply' | 'note';

/** Brackets by default; parentheses where `[…]` is markup (Jira's wiki markup makes it a link). */
export type MarkerStyle = 'brackets' | 'parentheses';

const DELIMITERS: Record<MarkerStyle, readonly [string, string]> = { brackets: ['[', ']'], parentheses: ['(', ')'] };
/**
 * Where in a round a comment was written: `mid` (the bot goes on), `end` (it told how the round ended). Markers
 * written before this flag existed carry none, and say nothing either way.
 */
export type RoundMark = 'mid' | 'end';

/** either style, with or without the round flag; group 1 is the hash, group 2 the flag */
const ANY_MARKER = /[[(]twofa-desk ref ([0-9a-f]{16})(?: (mid|end))?[\])]/g;

function ref(idempotencyKey: string, part: CommentPart): string {
  return createHash('sha256').update(`${idempotencyKey}\n${part}`).digest('hex').slice(0, 16);
}

/**
 * The footer the bot puts under every comment it writes: a short hash of the effect's idempotency key and the part,
 * plain text (desks keep a comment's text as written; HTML comments would be stripped). It lets a retry after an
 * unknown outcome find what the first try posted, tells the bot's comments apart from a person who uses the same
 * API user, and says where in a round it was written (` mid`, ` end`): a workflow lost after a `mid` comment is
 * rebuilt from the ticket, after any other the bot is taken to have left. This form (without the flag) is what
 * `markersIn` returns, to compare with.
 */
export function commentMarker(idempotencyKey: string, part: CommentPart, style: MarkerStyle = 'brackets'): string {
  const [open, close] = DELIMITERS[style];
  return `${open}twofa-desk ref ${ref(idempotencyKey, part)}${close}`;
}

/** `round`, or `ends` (the update's own flag: true is `end`, false `mid`); neither writes no flag. */
export function withMarker(body: string, idempotencyKey: string, part: CommentPart, opts: { round?: RoundMark; ends?: boolean; style?: MarkerStyle } = {}): string {
  const [open, close] = DELIMITERS[opts.style ?? 'brackets'];
  const round = opts.round ?? (opts.ends === undefined ? undefined : opts.ends ? 'end' : 'mid');
  return `${body.trimEnd()}\n\n${open}twofa-desk ref ${ref(idempotencyKey, part)}${round ? ` ${round}` : ''}${close}`;
}

export function hasMarker(body: string): boolean {
  return new RegExp(ANY_MARKER.source).test(body);
}

/** The markers in a comment, as `commentMarker` writes them (the end flag left out). */
export function markersIn(body: string): string[] {
  return [...body.matchAll(ANY_MARKER)].map((m) => {
    const style: MarkerStyle = m[0].startsWith('(') ? 'parentheses' : 'brackets';
    const [open, close] = DELIMITERS[style];
    return `${open}twofa-desk ref ${m[1] ?? ''}${close}`;
  });
}

/** Where in a round the bot wrote a comment, by its marker's flag (the last marker's); none for an older marker. */
export function roundMarkIn(body: string): RoundMark | undefined {
  return [...body.matchAll(ANY_MARKER)].at(-1)?.[2] as RoundMark | undefined;
}

/** The TicketComment fields for a bot comment's round flag. */
export function roundFields(mark: RoundMark | undefined): { ends?: true; midRound?: true } {
  return mark === 'end' ? { ends: true } : mark === 'mid' ? { midRound: true } : {};
}

/** Whether a comment of the bot's told how a round ended (its marker's flag is `end`). */
export function markedEnd(body: string): boolean {
  return roundMarkIn(body) === 'end';
}
