import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The peer folder: a copy of shared/ lies beside the repository (as on CI's fresh clone). */
export const PRIVACYIDEA_PEER_DIR = resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/peers/privacyidea');

const HOW_TO_RUN =
  'The tests run against a real privacyIDEA 3.12.2 started from ../shared/peers/privacyidea (Debian 12; start.sh installs ' +
  'its packages as root, or run `npm run privacyidea:install`). To use one you started yourself: ' +
  '`../shared/peers/privacyidea/start.sh /tmp/pi` then TEST_PRIVACYIDEA_WORKDIR=/tmp/pi npm test.';

export class PrivacyIdeaPeerFailed extends Error {
  override readonly name = 'PrivacyIdeaPeerFailed';
  constructor(readonly reason: string) {
    super(`${reason}\n${HOW_TO_RUN}`);
  }
}

export interface RunningPrivacyIdeaPeer {
  workDir: string;
  stop(): Promise<void>;
}

function run(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(PRIVACYIDEA_PEER_DIR, script), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stderr }));
  });
}

/** The server pid start.sh recorded, for a last-resort kill when the run ends without teardown. */
async function serverPid(workDir: string): Promise<number | undefined> {
  const text = await readFile(join(workDir, 'server.pid'), 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Starts the peer in a new temp work dir on a port start.sh finds free; throws PrivacyIdeaPeerFailed with the reason. */
export async function startPrivacyIdeaPeer(): Promise<RunningPrivacyIdeaPeer> {
  if (!existsSync(join(PRIVACYIDEA_PEER_DIR, 'start.sh'))) {
    throw new PrivacyIdeaPeerFailed(`privacyIDEA test peer not found at ${PRIVACYIDEA_PEER_DIR} (a copy of shared/ must lie beside the repository)`);
  }
  const workDir = await mkdtemp(join(tmpdir(), 'twofa-desk-privacyidea-'));
  const started = await run('start.sh', [workDir]);
  if (started.code !== 0) {
    const tail = started.stderr.trim().split('\n').slice(-15).join('\n');
    throw new PrivacyIdeaPeerFailed(`privacyIDEA test peer did not start (start.sh exit ${String(started.code)}):\n${tail}\n(work dir kept: ${workDir})`);
  }
  const pid = await serverPid(workDir);
  const onExit = (): void => {
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', onExit);
  return {
    workDir,
    async stop() {
      process.removeListener('exit', onExit);
      const stopped = await run('stop.sh', [workDir]);
      if (stopped.code !== 0) throw new PrivacyIdeaPeerFailed(`stop.sh ${workDir} failed: ${stopped.stderr.trim()}`);
      // start.sh copies the peer's shims read-only: without write access a non-root user could not delete them
      await promisify(execFile)('chmod', ['-R', 'u+w', workDir]);
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
