/**
 * Where each code appears in a text as a value of its own: not inside a longer run of digits and letters
 * (a millisecond timestamp, a UUID), and not as a JSON number (`"waitingMs":123456`). Codes are strings
 * everywhere in twofa-desk (they may start with 0), so a leak shows as text or a JSON string; a number that
 * equals a random code is a coincidence, seen in long chaos runs. The same goes for the numeric fields BullMQ
 * keeps in a job's hash (`delay=298652`: an SLA timer five minutes out, in ms, matched a code in a 1,000-ticket
 * chaos run), dumped as `field=value` lines.
 */
/** The start of a dumped BullMQ job-hash line whose value is a number BullMQ computes (times, counters). */
const BULLMQ_NUMBER_FIELD = /^(delay|timestamp|processedOn|finishedOn|priority|attemptsMade|attemptsStarted|stalledCounter|ats|atm|pc)=$/;

export function codesIn(text: string, codes: Iterable<string>): Array<{ code: string; context: string }> {
  const found: Array<{ code: string; context: string }> = [];
  for (const code of codes) {
    const re = new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`, 'g');
    for (const m of text.matchAll(re)) {
      if (text.slice(Math.max(0, m.index - 2), m.index) === '":') continue;
      const line = text.slice(text.lastIndexOf('\n', m.index - 1) + 1, m.index);
      if (BULLMQ_NUMBER_FIELD.test(line)) continue;
      // The context shows where it leaked with the code itself cut out.
      found.push({ code, context: `…${text.slice(Math.max(0, m.index - 120), m.index)}[code]${text.slice(m.index + code.length, m.index + code.length + 60)}…` });
      break;
    }
  }
  return found;
}
