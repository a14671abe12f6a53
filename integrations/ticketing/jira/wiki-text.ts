/**
 * The bot's text as plain text in Jira wiki markup (the body of a servicedeskapi comment): links `[…|…]`, macros
 * `{…}` and images `!…!` are escaped with a backslash, so a value quoted from a ticket (a name, a subject) can never
 * turn into a link or a macro in a note agents act on. Other markup (emphasis) cannot hide or point anywhere.
 */
export function plainWikiText(text: string): string {
  return text.replace(/[[\]{}]/g, (c) => `\\${c}`).replace(/!(?=\S)/g, '\\!');
}
