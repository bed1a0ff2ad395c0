import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { CronObserver } from '../cron-observer';
import type { Logger } from '../logger';
import type { ExecutionReporter } from '../reporter';

export interface ExecOptions {
  url?: string;
  apiKey?: string;
  projectId?: string;
  /** Report to this execution (push/pull executors that shell out). */
  executionId?: string;
  /** External mode: start a run of this task (crontab, CI). */
  taskName?: string;
  /** How long to keep trying to report when Cron Observer is unreachable, in seconds (default 30). */
  reportTimeoutSeconds?: number;
  /** Where the SDK's own warnings go (default: stderr, prefixed). */
  logger?: Logger;
  stdout?: Writable;
  stderr?: Writable;
}

const TERMINAL_STDERR_LINES = 5;

/**
 * Runs a command, passing its output through and streaming it as logs (stdout as info, stderr as
 * error), then reports its exit code and duration: SUCCESS for 0, FAILED otherwise. Resolves with the
 * command's exit code (128 + signal number when it was killed, 127 when it could not be started),
 * whether or not Cron Observer could be reached.
 */
export async function execCommand(command: string, args: string[], options: ExecOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const logger = options.logger ?? { warn: (message: string) => stderr.write(`cron-observer: ${message}\n`) };
  const reporter = makeReporter(options, logger);
  const startedAt = Date.now();
  void reporter?.start();

  const lastErrors: string[] = [];
  const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'] });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handlers = signals.map((signal) => [signal, forward(signal)] as const);
  handlers.forEach(([signal, handler]) => process.on(signal, handler));

  const outDone = pipeLines(child.stdout, stdout, (line) => reporter?.log(line, 'info'));
  const errDone = pipeLines(child.stderr, stderr, (line) => {
    reporter?.log(line, 'error');
    lastErrors.push(line);
    if (lastErrors.length > TERMINAL_STDERR_LINES) lastErrors.shift();
  });

  const { code, failure } = await new Promise<{ code: number; failure: string | null }>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code === 'ENOENT' ? 127 : 126;
      stderr.write(`cron-observer: cannot run ${command}: ${error.message}\n`);
      resolve({ code, failure: `Cannot run ${command}: ${error.message}` });
    });
    child.once('close', (exitCode, signal) => {
      if (signal) resolve({ code: 128 + (constants.signals[signal] ?? 0), failure: `${command} was killed by ${signal}` });
      else resolve({ code: exitCode ?? 1, failure: exitCode === 0 ? null : `${command} exited with code ${exitCode}` });
    });
  });
  await Promise.all([outDone, errDone]);
  handlers.forEach(([signal, handler]) => process.off(signal, handler));

  const durationMs = Date.now() - startedAt;
  if (reporter) {
    if (failure === null) await reporter.succeed({ exitCode: code, durationMs });
    else await reporter.finish('FAILED', lastErrors.length > 0 ? `${failure}\n${lastErrors.join('\n')}` : failure, { exitCode: code, durationMs });
  }
  return code;
}

function makeReporter(options: ExecOptions, logger: Logger): ExecutionReporter | null {
  const url = options.url ?? process.env.CRON_OBSERVER_URL;
  const apiKey = options.apiKey ?? process.env.CRON_OBSERVER_API_KEY;
  if (!url || !apiKey) {
    logger.warn('CRON_OBSERVER_URL or CRON_OBSERVER_API_KEY not set: running without reporting');
    return null;
  }
  let client: CronObserver;
  try {
    client = new CronObserver({
      url,
      apiKey,
      projectId: options.projectId,
      logger,
      retry: { maxElapsedMs: (options.reportTimeoutSeconds ?? 30) * 1000, requestTimeoutMs: 10_000 },
    });
  } catch (error) {
    logger.warn(`${error instanceof Error ? error.message : String(error)}: running without reporting`);
    return null;
  }
  if (options.executionId) return client.reporter(options.executionId);
  if (options.taskName) return client.runReporter(options.taskName);
  return null;
}

/** Copies a stream through and calls `onLine` for each complete line (a last partial line too). */
function pipeLines(source: Readable | null, sink: Writable, onLine: (line: string) => void): Promise<void> {
  if (!source) return Promise.resolve();
  let pending = '';
  source.setEncoding('utf8');
  return new Promise((resolve) => {
    source.on('data', (chunk: string) => {
      sink.write(chunk);
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, newline).replace(/\r$/, ''));
        pending = pending.slice(newline + 1);
      }
    });
    const finish = () => {
      if (pending) onLine(pending.replace(/\r$/, ''));
      pending = '';
      resolve();
    };
    source.on('end', finish);
    source.on('close', finish);
    source.on('error', finish);
  });
}
