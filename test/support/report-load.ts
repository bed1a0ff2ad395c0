import { ApiClient, type ApiResponse } from './api-client';

/**
 * Executor load for crash tests: clients that each run one external run after another (start the run,
 * send a few log batches, end it with a status report), one request at a time as an executor does, and
 * write down what the server answered. A request answered 2xx is acknowledged; one that got no answer
 * (the server was killed under it) is in doubt: it may or may not have been applied. Nothing is retried.
 */

export type Outcome = 'acknowledged' | 'in doubt';

export interface SentLine {
  message: string;
  level: 'debug' | 'info' | 'warn' | 'error';
}

export interface SentBatch {
  /** In every line's message, so a batch's lines can be found and counted wherever they are stored. */
  tag: string;
  lines: SentLine[];
  outcome: Outcome;
}

export interface SentEnd {
  route: 'status' | 'finish';
  status: 'SUCCESS' | 'FAILED';
  error: string | null;
  outcome: Outcome;
}

export interface SentRun {
  projectId: string;
  taskId: string;
  round: number;
  outcome: Outcome;
  /** Known once the start of the run was acknowledged. */
  executionId: string | null;
  batches: SentBatch[];
  end: SentEnd | null;
}

export interface LoadTarget {
  projectId: string;
  taskId: string;
  apiKey: string;
}

/** A 2xx answer other than this one, or any 4xx/5xx: the load found a bug or a wrong expectation. */
export class UnexpectedAnswer extends Error {
  constructor(what: string, response: ApiResponse) {
    super(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
  }
}

const LEVELS: SentLine['level'][] = ['debug', 'info', 'warn', 'error'];

/**
 * Runs `clients` executors against `baseUrl` until each has had a request fail without an answer (the
 * kill), recording every run in `ledger`. `random` decides the shape of the work (seeded by the test).
 */
export class ReportLoad {
  readonly ledger: SentRun[] = [];
  readonly unexpected: UnexpectedAnswer[] = [];
  private acks = 0;
  private readonly ackListeners = new Set<() => void>();

  constructor(private readonly random: () => number) {}

  /** Acknowledged requests so far (all rounds). */
  get acknowledged(): number {
    return this.acks;
  }

  /** Resolves once `count` more requests than now have been acknowledged. */
  acknowledgedMore(count: number): Promise<void> {
    const target = this.acks + count;
    return new Promise((resolve) => {
      const check = () => {
        if (this.acks < target) return;
        this.ackListeners.delete(check);
        resolve();
      };
      this.ackListeners.add(check);
    });
  }

  /** One round: every client works until the server stops answering; resolves when all have stopped. */
  async round(round: number, baseUrl: string, targets: LoadTarget[], clients: number): Promise<void> {
    await Promise.all(
      Array.from({ length: clients }, (_, n) => {
        const target = targets[n % targets.length]!;
        // Half the executors send the key raw (reports take the fast path), half as a Bearer token (through express).
        return this.client(round, n, new ApiClient(baseUrl, n % 2 === 0 ? { apiKey: target.apiKey } : { token: target.apiKey }), target);
      }),
    );
  }

  private async client(round: number, n: number, api: ApiClient, target: LoadTarget): Promise<void> {
    for (let runIndex = 0; ; runIndex++) {
      const run: SentRun = { ...target, round, outcome: 'in doubt', executionId: null, batches: [], end: null };
      this.ledger.push(run);
      const started = await this.send(() => api.post(`/projects/${target.projectId}/tasks/${target.taskId}/runs`), 201, 'start of a run');
      if (!started) return;
      run.outcome = 'acknowledged';
      run.executionId = started.body.execution_id as string;
      const batches = 1 + Math.floor(this.random() * 3);
      for (let b = 0; b < batches; b++) {
        const tag = `r${round}-c${n}-e${runIndex}-b${b}`;
        const count = 1 + Math.floor(this.random() * 25);
        const lines = Array.from({ length: count }, (_, i): SentLine => ({
          message: `${tag} line ${i + 1}/${count} ${'x'.repeat(Math.floor(this.random() * 200))}`,
          level: LEVELS[Math.floor(this.random() * LEVELS.length)]!,
        }));
        const batch: SentBatch = { tag, lines, outcome: 'in doubt' };
        run.batches.push(batch);
        if (!(await this.send(() => api.post(`/executions/${run.executionId}/logs`, { lines }), 200, `log batch ${tag}`))) return;
        batch.outcome = 'acknowledged';
      }
      const choice = this.random();
      const end: SentEnd =
        choice < 0.5
          ? { route: 'status', status: 'SUCCESS', error: null, outcome: 'in doubt' }
          : choice < 0.8
            ? { route: 'status', status: 'FAILED', error: `failed in round ${round}, client ${n}, run ${runIndex}`, outcome: 'in doubt' }
            : { route: 'finish', status: 'SUCCESS', error: null, outcome: 'in doubt' };
      run.end = end;
      const ended = await this.send(
        () =>
          end.route === 'status'
            ? api.patch(`/executions/${run.executionId}/status`, { status: end.status, error: end.error })
            : api.post(`/executions/${run.executionId}/finish`, { status: end.status, exit_code: 0, duration_ms: 1000 + runIndex }),
        200,
        `end of run ${run.executionId}`,
      );
      if (!ended) return;
      end.outcome = 'acknowledged';
    }
  }

  /** The answer when it is the expected one; null when there was none (in doubt). Other answers are kept as failures. */
  private async send(request: () => Promise<ApiResponse>, expected: number, what: string): Promise<ApiResponse | null> {
    let response: ApiResponse;
    try {
      response = await request();
    } catch {
      return null;
    }
    if (response.status !== expected) {
      this.unexpected.push(new UnexpectedAnswer(what, response));
      return null;
    }
    this.acks++;
    for (const listener of [...this.ackListeners]) listener();
    return response;
  }
}
