/**
 * Where each code appears in a text as a number of its own: not inside a longer run of digits and letters
 * such as a millisecond timestamp or a UUID (a 6-digit code is a substring of one timestamp in a hundred).
 */
export function codesIn(text: string, codes: Iterable<string>): Array<{ code: string; context: string }> {
  const found: Array<{ code: string; context: string }> = [];
  for (const code of codes) {
    const re = new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`);
    const m = re.exec(text);
    // The context shows where it leaked with the code itself cut out.
    if (m) found.push({ code, context: `…${text.slice(Math.max(0, m.index - 120), m.index)}[code]${text.slice(m.index + code.length, m.index + code.length + 60)}…` });
  }
  return found;
}
