import { UsageError, type CliCommand, type CliContext } from './command.js';

/** `twofa-desk <command> …`: each command lives in its own file and is loaded only when used. */
const COMMANDS: Record<string, { usage: string; load: () => Promise<CliCommand> }> = {
  zendesk: { usage: 'zendesk check', load: async () => (await import('./zendesk-check.js')).run },
  jira: { usage: 'jira check', load: async () => (await import('./jira-check.js')).run },
  rt: { usage: 'rt check', load: async () => (await import('./rt-check.js')).run },
  servicenow: { usage: 'servicenow check', load: async () => (await import('./servicenow-check.js')).run },
  connectwise: { usage: 'connectwise check', load: async () => (await import('./connectwise-check.js')).run },
  halo: { usage: 'halo check', load: async () => (await import('./halo-check.js')).run },
  platform: { usage: 'platform check', load: async () => (await import('./platform-check.js')).run },
  tenants: { usage: 'tenants check', load: async () => (await import('./tenants-check.js')).run },
  report: { usage: 'report [--mode-audit] [--since 7d] [--from ISO --to ISO] [--tenant ID] [--format table|csv|json] (--tenant: that tenant only; without it, a row per tenant when tickets have tenants)', load: async () => (await import('./report.js')).run },
  ticket: { usage: 'ticket show|retry|handoff <system> <id> [--json] | ticket escalate <system> <id> --reason "..." [--json]', load: async () => (await import('./ticket.js')).run },
  'replay-dead': { usage: 'replay-dead [--queue events|effects|timers] [--limit N] [--json]', load: async () => (await import('./replay-dead.js')).run },
};

function usage(): string {
  return ['usage: twofa-desk <command>', ...Object.values(COMMANDS).map((c) => `  twofa-desk ${c.usage}`)].join('\n');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  const ctx: CliContext = {
    args: rest,
    env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    ctx.err(name === undefined || name === '--help' || name === 'help' ? usage() : `unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.err(`${err.message}\nusage: twofa-desk ${command.usage}`);
      return 2;
    }
    ctx.err(`twofa-desk ${name}: ${(err as Error).message}`);
    return 1;
  }
}
