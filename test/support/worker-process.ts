import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../workers/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** everything the process wrote, for assertions and secret scans */
  readonly output: string[];
  ready: Promise<void>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts `workers/main.ts` (what `npm start` runs) as a real separate process with the given environment. */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let resolveReady: () => void = () => undefined;
  let rejectReady: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output.push(text);
    if (text.includes('workers running')) resolveReady();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.once('exit', (code, signal) => rejectReady(new Error(`worker exited before it was ready (code ${code}, signal ${signal}): ${output.join('').slice(-2000)}`)));
  return {
    child,
    output,
    ready,
    kill(signal) {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}
