import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../workers/redis/private-redis.js';

const SETUP = '/usr/sbin/rt-setup-database-5';
const SERVER = '/usr/share/request-tracker5/libexec/rt-server';
const README = resolve(fileURLToPath(new URL('../..', import.meta.url)), 'integrations/ticketing/rt/README.md');

export const RT_BOT = { name: 'twofa-bot', password: 'bot-password-123' };
export const RT_AGENT = { name: 'agent', password: 'agent-password-123' };
export const RT_ROOT = { name: 'root', password: 'root-password-123' };
export const RT_QUEUE = '2FA Support';
export const RT_ESCALATION_QUEUE = '2FA Escalations';
/** the queue a tenant's policy escalates to (escalationTarget) in place of RT_ESCALATION_QUEUE */
export const RT_TENANT_ESCALATION_QUEUE = 'Acme Escalations';
export const RT_FIELD = '2FA';
export const RT_NAME = 'twofa-test';

export class RtServerFailed extends Error {
  override readonly name = 'RtServerFailed';
}

export interface RtServerOptions {
  /** where the README's Scrip posts (unset: no Scrip) */
  webhookUrl?: string;
  webhookSecret?: string;
  /** RT's $Timezone (default America/New_York, RT's own default: the time-zone trap is real in the tests) */
  timezone?: string;
}

export interface RunningRt {
  url: string;
  /** the bot's auth token, made by RT::AuthToken in the initialdata */
  botToken: string;
  workDir: string;
  /** the tail of RT's log, for a failing test's message */
  logTail(lines?: number): Promise<string>;
  /** the outgoing mail RT sent (sendmail writes it here) */
  outgoingMail(): Promise<string>;
  stop(): Promise<void>;
}

/** The code blocks of the README's Scrip, so the Scrip the tests install is the one the README gives admins. */
export async function readmeScrip(): Promise<{ condition: string; action: string }> {
  const text = await readFile(README, 'utf8');
  const block = (title: string) => {
    const m = new RegExp(`\`\`\`perl\\n([ \\t]*# twofa-desk Scrip: ${title}[\\s\\S]*?)\\n[ \\t]*\`\`\``).exec(text);
    if (!m?.[1]) throw new RtServerFailed(`no "# twofa-desk Scrip: ${title}" perl block in ${README}`);
    const indent = /^[ \t]*/.exec(m[1])?.[0].length ?? 0;
    return m[1].split('\n').map((l) => l.slice(Math.min(indent, /^[ \t]*/.exec(l)?.[0].length ?? 0))).join('\n');
  };
  return { condition: block('condition'), action: block('action') };
}

function perlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('error', rej);
    child.once('close', (code) => res({ code, out }));
  });
}

/**
 * A fresh RT 5 (Debian's request-tracker5) on a free loopback port: its own site config (RT_SITE_CONFIG, with an empty
 * RT_SITE_CONFIG_DIR so the system's database settings are not read), a SQLite database, log and outgoing mail in a
 * temp dir; `rt-setup-database-5 --action init`, then an initialdata file with the queues, the custom field, rights,
 * the bot (password and token), an agent and root's password, and the README's Scrip when asked for.
 */
export async function startRt(opts: RtServerOptions = {}): Promise<RunningRt> {
  if (!existsSync(SETUP) || !existsSync(SERVER)) {
    throw new RtServerFailed('Request Tracker 5 is not installed: run `sudo bash scripts/install-rt.sh` (Debian\'s request-tracker5, rt5-standalone, rt5-db-sqlite), or TEST_RT=off to skip the RT tests');
  }
  const dir = await mkdtemp(join(tmpdir(), 'twofa-desk-rt-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await mkdir(join(dir, 'conf.d'));
  await writeFile(join(dir, 'sendmail.sh'), `#!/bin/sh\ncat >> ${join(dir, 'outgoing.mbox')}\n`);
  await chmod(join(dir, 'sendmail.sh'), 0o755);
  const site = [
    `Set($rtname, '${RT_NAME}');`,
    `Set($Organization, 'twofa.test');`,
    `Set($Timezone, ${perlString(opts.timezone ?? 'America/New_York')});`,
    `Set($WebDomain, '127.0.0.1');`,
    `Set($WebPort, ${port});`,
    `Set($WebPath, '');`,
    `Set($WebBaseURL, '${url}');`,
    `Set($DatabaseType, 'SQLite');`,
    `Set($DatabaseName, ${perlString(join(dir, 'rt.db'))});`,
    `Set($LogToFile, 'info');`,
    `Set($LogDir, ${perlString(dir)});`,
    `Set($LogToFileNamed, 'rt.log');`,
    `Set($LogToSyslog, undef);`,
    `Set($LogToSTDERR, 'error');`,
    `Set($MailCommand, 'sendmailpipe');`,
    `Set($SendmailPath, ${perlString(join(dir, 'sendmail.sh'))});`,
    `Set($CorrespondAddress, 'rt@twofa.test');`,
    `Set($CommentAddress, 'rt-comment@twofa.test');`,
    `Set($TwofaDeskBotUser, '${RT_BOT.name}');`,
    ...(opts.webhookUrl ? [`Set($TwofaDeskWebhookURL, ${perlString(opts.webhookUrl)});`, `Set($TwofaDeskWebhookSecret, ${perlString(opts.webhookSecret ?? '')});`] : []),
    '1;',
  ];
  await writeFile(join(dir, 'site.pm'), `${site.join('\n')}\n`);
  await writeFile(join(dir, 'initialdata'), await initialData(dir, opts.webhookUrl !== undefined));
  const env = { ...process.env, RT_SITE_CONFIG: join(dir, 'site.pm'), RT_SITE_CONFIG_DIR: join(dir, 'conf.d') };
  const fail = async (what: string, out: string): Promise<never> => {
    const log = await readFile(join(dir, 'rt.log'), 'utf8').catch(() => '');
    throw new RtServerFailed(`${what}:\n${out.trim().split('\n').slice(-15).join('\n')}\n--- rt.log ---\n${log.trim().split('\n').slice(-15).join('\n')}\n(work dir kept: ${dir})`);
  };
  const init = await run(SETUP, ['--action', 'init', '--skip-create'], env);
  if (init.code !== 0) await fail(`rt-setup-database-5 --action init failed (exit ${String(init.code)})`, init.out);
  const insert = await run(SETUP, ['--action', 'insert', '--datafile', join(dir, 'initialdata')], env);
  if (insert.code !== 0 || !existsSync(join(dir, 'bot.token'))) await fail(`rt-setup-database-5 --action insert (initialdata) failed (exit ${String(insert.code)})`, insert.out);
  const botToken = (await readFile(join(dir, 'bot.token'), 'utf8')).trim();

  const serverOut = join(dir, 'server.out');
  const { openSync } = await import('node:fs');
  const outFd = openSync(serverOut, 'a');
  const child: ChildProcess = spawn(SERVER, ['--port', String(port), '--host', '127.0.0.1', '--max-workers', '4'], { env, stdio: ['ignore', outFd, outFd], detached: true });
  const pid = child.pid;
  const kill = (signal: NodeJS.Signals) => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => kill('SIGKILL');
  process.once('exit', onExit);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const auth = `Basic ${Buffer.from(`${RT_ROOT.name}:${RT_ROOT.password}`).toString('base64')}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) await fail(`rt-server exited (${String(exited)}) before it answered`, await readFile(serverOut, 'utf8').catch(() => ''));
    const ok = await fetch(`${url}/REST/2.0/rt`, { headers: { authorization: auth } }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > until) {
      kill('SIGKILL');
      await fail('rt-server did not answer within 60 s', await readFile(serverOut, 'utf8').catch(() => ''));
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    botToken,
    workDir: dir,
    async logTail(lines = 30) {
      const log = await readFile(join(dir, 'rt.log'), 'utf8').catch(() => '');
      return log.trim().split('\n').slice(-lines).join('\n');
    },
    outgoingMail: () => readFile(join(dir, 'outgoing.mbox'), 'utf8').catch(() => ''),
    async stop() {
      process.removeListener('exit', onExit);
      kill('SIGTERM');
      const gone = await new Promise<boolean>((r) => {
        if (exited !== undefined) return r(true);
        const t = setTimeout(() => r(false), 5_000);
        child.once('exit', () => {
          clearTimeout(t);
          r(true);
        });
      });
      if (!gone) kill('SIGKILL');
      await promisify(execFile)('sleep', ['0.2']);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function initialData(dir: string, withScrip: boolean): Promise<string> {
  const rights = (queue: string, user: string, list: string) => `(map { { Right => $_, Queue => '${queue}', UserId => '${user}' } } qw(${list}))`;
  const scrip = withScrip ? await readmeScrip() : undefined;
  return `
@Queues = (
  { Name => '${RT_QUEUE}', Description => '2FA login problems' },
  { Name => '${RT_ESCALATION_QUEUE}', Description => 'escalated by the 2FA bot' },
  { Name => '${RT_TENANT_ESCALATION_QUEUE}', Description => "a tenant's escalations" },
);
@CustomFields = (
  { Name => '${RT_FIELD}', Type => 'FreeformMultiple', LookupType => 'RT::Queue-RT::Ticket', Queue => ['${RT_QUEUE}', '${RT_ESCALATION_QUEUE}', '${RT_TENANT_ESCALATION_QUEUE}'], Description => 'twofa-desk' },
);
@Users = (
  { Name => '${RT_BOT.name}', RealName => '2FA assistant', EmailAddress => 'twofa-bot@twofa.test', Password => '${RT_BOT.password}', Privileged => 1 },
  { Name => '${RT_AGENT.name}', RealName => 'Agent Smith', EmailAddress => 'agent@twofa.test', Password => '${RT_AGENT.password}', Privileged => 1 },
);
@ACL = (
  ${rights(RT_QUEUE, RT_BOT.name, 'SeeQueue ShowTicket ShowTicketComments ReplyToTicket CommentOnTicket ModifyTicket SeeCustomField ModifyCustomField')},
  ${rights(RT_ESCALATION_QUEUE, RT_BOT.name, 'SeeQueue CreateTicket ShowTicket ModifyTicket CommentOnTicket SeeCustomField ModifyCustomField')},
  ${rights(RT_QUEUE, RT_AGENT.name, 'SeeQueue ShowTicket ShowTicketComments ReplyToTicket CommentOnTicket ModifyTicket OwnTicket TakeTicket StealTicket SeeCustomField ModifyCustomField')},
  ${rights(RT_ESCALATION_QUEUE, RT_AGENT.name, 'SeeQueue ShowTicket ShowTicketComments ReplyToTicket CommentOnTicket ModifyTicket OwnTicket SeeCustomField ModifyCustomField')},
  ${rights(RT_TENANT_ESCALATION_QUEUE, RT_BOT.name, 'SeeQueue CreateTicket ShowTicket ModifyTicket CommentOnTicket SeeCustomField ModifyCustomField')},
  ${rights(RT_TENANT_ESCALATION_QUEUE, RT_AGENT.name, 'SeeQueue ShowTicket ShowTicketComments ReplyToTicket CommentOnTicket ModifyTicket OwnTicket SeeCustomField ModifyCustomField')},
  (map { { Right => $_, GroupDomain => 'SystemInternal', GroupType => 'Everyone', Queue => '${RT_QUEUE}' } } qw(CreateTicket ReplyToTicket)),
);
${
  scrip
    ? `@Scrips = ({
  Description => 'twofa-desk: notify',
  Queue => '${RT_QUEUE}',
  ScripCondition => 'User Defined',
  ScripAction => 'User Defined',
  Template => 'Blank',
  Stage => 'TransactionBatch',
  CustomIsApplicableCode => ${perlString(scrip.condition)},
  CustomPrepareCode => 'return 1;',
  CustomCommitCode => ${perlString(scrip.action)},
});`
    : ''
}
@Final = (sub {
  my $root = RT::User->new(RT->SystemUser); $root->Load('root');
  my ($pok, $pmsg) = $root->SetPassword('${RT_ROOT.password}'); die "root password: $pmsg" unless $pok;
  my $bot = RT::User->new(RT->SystemUser); $bot->Load('${RT_BOT.name}');
  my ($ok, $msg, $auth) = RT::AuthToken->new(RT->SystemUser)->Create(Owner => $bot->Id, Description => 'twofa-desk tests');
  die "bot token: $msg" unless $ok;
  open(my $fh, '>', ${perlString(join(dir, 'bot.token'))}) or die "bot.token: $!"; print $fh $auth; close $fh;
});
1;
`;
}
