import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../workers/logger.js';

/** A real pino logger (with its redaction) whose lines are kept in memory for assertions and secret scans. */
export function capturedLogger(level = 'debug'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger(level, sink), lines };
}
