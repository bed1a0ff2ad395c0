/**
 * The load generator of `npm run bench -- ingest`, run as a child process (`fork` of the compiled
 * dist/bench/ingest-load.js) so that generating load never shares an event loop with the server it
 * measures. It also exports the plan both sides agree on: which reports each client sends, in order,
 * so the parent can check afterwards that every acknowledged report was stored.
 *
 * Protocol (IPC): the parent sends `LoadCommand`s; for each `phase` the child answers one `PhaseResult`;
 * `exit` ends it.
 */
import http from 'node:http';

/** What one executor report does: a log line, or a status change (compatibility routes). */
export type ReportKind = 'log' | 'RUNNING' | 'SUCCESS' | 'FAILED';
export const REPORT_KINDS: readonly ReportKind[] = ['log', 'RUNNING', 'SUCCESS', 'FAILED'];

export interface PlannedReport {
  /** Index into the phase's execution ids. */
  execution: number;
  kind: ReportKind;
  /** For a log line: its number within the execution (0-based), which its message carries. */
  line: number;
}

/**
 * The reports of a phase, per client. Client `c` owns the executions `e` with `e % clients === c` and
 * reports on them one after the other, as an executor does: a burst per execution (RUNNING for one in
 * three, then log lines, then SUCCESS or FAILED). Every client sends the same number of reports (±1),
 * so all `clients` connections stay busy until the end.
 */
export function planReports(executions: number, requests: number, clients: number): PlannedReport[][] {
  if (executions < clients) throw new Error(`--executions (${executions}) must be at least --clients (${clients}): each client reports on its own executions`);
  const plans: PlannedReport[][] = [];
  for (let client = 0; client < clients; client++) {
    const owned: number[] = [];
    for (let e = client; e < executions; e += clients) owned.push(e);
    const share = Math.floor(requests / clients) + (client < requests % clients ? 1 : 0);
    const plan: PlannedReport[] = [];
    owned.forEach((execution, i) => {
      const count = Math.floor(share / owned.length) + (i < share % owned.length ? 1 : 0);
      plan.push(...burst(execution, count));
    });
    plans.push(plan);
  }
  return plans;
}

/** One execution's reports: [RUNNING], log lines…, SUCCESS | FAILED. */
function burst(execution: number, count: number): PlannedReport[] {
  if (count === 0) return [];
  const end: ReportKind = execution % 3 === 2 ? 'FAILED' : 'SUCCESS';
  const running = execution % 3 === 0 && count >= 2;
  const logs = count - 1 - (running ? 1 : 0);
  const reports: PlannedReport[] = [];
  if (running) reports.push({ execution, kind: 'RUNNING', line: -1 });
  for (let line = 0; line < logs; line++) reports.push({ execution, kind: 'log', line });
  reports.push({ execution, kind: end, line: -1 });
  return reports;
}

/** The message of log line `line` (the parent looks for exactly these in the event store). */
export function logMessage(line: number): string {
  return `step ${line}: processed a batch of 250 records in 12 ms`;
}

export const FAILED_ERROR = 'exit code 1: upstream returned 503';

/** The compatibility route and body of a report, as the original SDK sends them. */
export function requestOf(executionId: string, report: PlannedReport): { method: string; path: string; body: string } {
  if (report.kind === 'log') {
    return { method: 'POST', path: `/api/v1/executions/${executionId}/logs`, body: JSON.stringify({ message: logMessage(report.line), level: 'info' }) };
  }
  const body = report.kind === 'FAILED' ? { status: 'FAILED', error: FAILED_ERROR } : { status: report.kind };
  return { method: 'PATCH', path: `/api/v1/executions/${executionId}/status`, body: JSON.stringify(body) };
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export type LoadCommand =
  | {
      type: 'phase';
      name: string;
      host: string;
      port: number;
      apiKey: string;
      clients: number;
      executionIds: string[];
      requests: number;
      /** Send each report with its own Idempotency-Key, as the SDK does. */
      idempotencyKeys?: boolean;
    }
  | { type: 'exit' };

export interface FailedReport extends PlannedReport {
  status: number;
  body: string;
}

export interface PhaseResult {
  type: 'result';
  name: string;
  requests: number;
  elapsedMs: number;
  /** Latencies in ms, over every report and per kind. */
  all: LatencySummary;
  byKind: Record<ReportKind, LatencySummary>;
  /** Reports not answered 200 (the parent leaves them out of the durability check). */
  failed: FailedReport[];
}

async function runPhase(command: Extract<LoadCommand, { type: 'phase' }>): Promise<PhaseResult> {
  const { host, port, apiKey, clients, executionIds, requests, idempotencyKeys } = command;
  const plans = planReports(executionIds.length, requests, clients);
  const agent = agentFor(host, port, clients);
  const latencies = new Float64Array(requests);
  const kinds = new Uint8Array(requests);
  const failed: FailedReport[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    plans.map(async (plan) => {
      for (const [index, report] of plan.entries()) {
        const executionId = executionIds[report.execution];
        const { method, path, body } = requestOf(executionId, report);
        // A client's executions are its own, so execution and place in the plan make a unique key.
        const idempotencyKey = idempotencyKeys ? `${executionId}:${index}` : undefined;
        const sentAt = performance.now();
        const response = await send(agent, { host, port, method, path, body, apiKey, idempotencyKey });
        const slot = next++;
        latencies[slot] = performance.now() - sentAt;
        kinds[slot] = REPORT_KINDS.indexOf(report.kind);
        if (response.status !== 200) failed.push({ ...report, status: response.status, body: response.body.slice(0, 300) });
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const byKind = Object.fromEntries(
    REPORT_KINDS.map((kind, k) => [kind, summarize(latencies.filter((_, i) => kinds[i] === k))]),
  ) as Record<ReportKind, LatencySummary>;
  return { type: 'result', name: command.name, requests: next, elapsedMs, all: summarize(latencies.subarray(0, next)), byKind, failed };
}

/**
 * One keep-alive pool per server, kept from one phase to the next: the warm-up opens the connections,
 * so the measured phase starts on established ones, as long-running executors' clients do.
 */
const agents = new Map<string, http.Agent>();

function agentFor(host: string, port: number, clients: number): http.Agent {
  const key = `${host}:${port}/${clients}`;
  for (const [other, agent] of agents) {
    if (other === key) continue;
    agent.destroy();
    agents.delete(other);
  }
  let agent = agents.get(key);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: clients, maxFreeSockets: clients });
    agents.set(key, agent);
  }
  return agent;
}

function send(
  agent: http.Agent,
  request: { host: string; port: number; method: string; path: string; body: string; apiKey: string; idempotencyKey?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: request.host,
        port: request.port,
        method: request.method,
        path: request.path,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(request.body),
          authorization: request.apiKey,
          ...(request.idempotencyKey === undefined ? {} : { 'idempotency-key': request.idempotencyKey }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

function summarize(values: Float64Array): LatencySummary {
  if (values.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

if (require.main === module) {
  if (!process.send) throw new Error('ingest-load.js is a child process of `npm run bench -- ingest`');
  process.on('message', (command: LoadCommand) => {
    if (command.type === 'exit') {
      for (const agent of agents.values()) agent.destroy();
      process.disconnect();
      return;
    }
    runPhase(command).then(
      (result) => process.send!(result),
      (err: unknown) => process.send!({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) }),
    );
  });
}
