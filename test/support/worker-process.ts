import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
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

export interface WorkerProcessOptions {
  /**
   * write the process's output to this file instead of a pipe to this process (benchmarks: reading a worker's log
   * lines would be charged to the process that starts it); `output` then stays empty
   */
  logFile?: string;
}

/** Starts `workers/main.ts` (what `npm start` runs) as a real separate process with the given environment. */
export function startWorkerProcess(env: Record<string, string>, opts: WorkerProcessOptions = {}): WorkerProcess {
  const fd = opts.logFile !== undefined ? openSync(opts.logFile, 'a') : undefined;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', fd ?? 'pipe', fd ?? 'pipe'],
  });
  if (fd !== undefined) closeSync(fd);
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
  const logFile = opts.logFile;
  if (logFile !== undefined) {
    const look = setInterval(() => {
      if (readFileSync(logFile, 'utf8').includes('workers running')) resolveReady();
    }, 50);
    void ready.finally(() => clearInterval(look)).catch(() => undefined);
  }
  const tail = () => (logFile !== undefined ? readFileSync(logFile, 'utf8') : output.join('')).slice(-2000);
  child.once('exit', (code, signal) => rejectReady(new Error(`worker exited before it was ready (code ${code}, signal ${signal}): ${tail()}`)));
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
