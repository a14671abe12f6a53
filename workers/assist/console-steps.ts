/**
 * The console step an agent does with held codes, for the one-time page. The workflow's note names the user and the
 * serial; the page repeats the step beside the codes so the agent needs nothing else open.
 */
export function assistConsoleSteps(consoleUrl: string | undefined, tokenType: string): string {
  const where = consoleUrl ? `the 2FA administration console (${consoleUrl})` : 'the 2FA administration console';
  return `In ${where}: Assignment tab, search the user by User ID and open them > Authentication Methods > "Manage" next to the ${tokenType} token > "Resync": type the first code in the first box and the second code in the second box, then click "Resync".`;
}
