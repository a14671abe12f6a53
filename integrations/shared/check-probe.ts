import { ConfigError } from './config-error.js';

/** What a `… check` prints: `✓` works, `·` informs, `✗` is missing; ok when no line is a `✗`. */
export interface CheckResult {
  ok: boolean;
  lines: string[];
}

/** The integration's own error classes carry a reason an operator can act on. */
type ErrorWithReason = abstract new (...args: never[]) => Error & { readonly reason: string };

/** The lines of one check, as its steps add them. */
export class CheckLines {
  ok = true;
  readonly lines: string[] = [];

  constructor(private readonly known: ErrorWithReason) {}

  /** A `✗` line: the check fails, the next steps still run (each says what it needs). */
  readonly fail = (line: string): void => {
    this.ok = false;
    this.lines.push(`✗ ${line}`);
  };

  /** What a failed call says: the integration's own reason, or the message of anything else. */
  readonly describe = (err: unknown): string => {
    if (err instanceof this.known) return err.reason;
    return err instanceof Error ? err.message : String(err);
  };

  /** One call that proves a permission: `✓ fine` when it answers, `✗ what: reason` when it fails. */
  readonly probe = async (what: string, call: () => Promise<unknown>, fine: string): Promise<boolean> => {
    try {
      await call();
      this.lines.push(`✓ ${fine}`);
      return true;
    } catch (err) {
      this.fail(`${what}: ${this.describe(err)}`);
      return false;
    }
  };
}

/** A check's only line when its own variables are wrong: nothing can be tried without them. Rethrows anything else. */
export function configProblem(err: unknown): CheckResult {
  if (err instanceof ConfigError) return { ok: false, lines: [`✗ ${err.variable}: ${err.reason}`] };
  throw err;
}

/**
 * An integration's check: its variables first (a ConfigError is its only line), then `steps` with the configuration.
 * A step the others depend on ends the check by returning after its `fail`.
 */
export async function runCheck<C>(load: () => C, known: ErrorWithReason, steps: (check: CheckLines, config: C) => Promise<void>): Promise<CheckResult> {
  let config: C;
  try {
    config = load();
  } catch (err) {
    return configProblem(err);
  }
  const check = new CheckLines(known);
  await steps(check, config);
  return { ok: check.ok, lines: check.lines };
}
