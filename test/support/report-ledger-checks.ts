import type { ExecutionCreated, ExecutionFailed } from '../../src/events/execution-events';
import type { ExecutionLogsAppended } from '../../src/events/execution-log-events';
import type { EventStore, RecordedEvent } from '../../src/stores/events/event-store';
import type { ApiClient } from './api-client';
import type { SentBatch, SentRun } from './report-load';

/** What the event store holds of one execution. */
export interface StoredExecution {
  created: ExecutionCreated['data'];
  /** ExecutionSucceeded / ExecutionFailed events, in order. */
  ends: Array<{ type: string; error: string | null }>;
  /** One entry per ExecutionLogsAppended event, in stream order. */
  logBatches: Array<Array<{ message: string; level: string }>>;
}

export interface LedgerCounts {
  acknowledged: { runs: number; batches: number; lines: number; ends: number };
  /** Acknowledged requests whose effect is in the event store, exactly once and whole. */
  present: { runs: number; batches: number; lines: number; ends: number };
  inDoubt: { runs: number; batches: number; ends: number };
  /** In-doubt requests that were applied before the kill. */
  inDoubtApplied: { runs: number; batches: number; ends: number };
}

/** Every execution of `projectIds` in the event store, by id. */
export async function storedExecutions(store: EventStore, projectIds: string[]): Promise<Map<string, StoredExecution>> {
  const projects = new Set(projectIds);
  const executions = new Map<string, StoredExecution>();
  const events = await store.readAll({ filter: { streamPrefixes: ['execution-', 'executionlog-'] } });
  for (const event of events as RecordedEvent<string, { executionId: string; projectId: string }>[]) {
    if (!projects.has(event.data.projectId)) continue;
    if (event.type === 'ExecutionCreated') {
      executions.set(event.data.executionId, { created: event.data as unknown as ExecutionCreated['data'], ends: [], logBatches: [] });
      continue;
    }
    const execution = executions.get(event.data.executionId);
    if (!execution) throw new Error(`${event.type} at ${event.position} for an execution never created (${event.data.executionId})`);
    if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed') {
      execution.ends.push({ type: event.type, error: (event.data as unknown as ExecutionFailed['data']).error ?? null });
    } else if (event.type === 'ExecutionLogsAppended') {
      execution.logBatches.push((event.data as unknown as ExecutionLogsAppended['data']).lines.map(({ message, level }) => ({ message, level })));
    }
  }
  return executions;
}

/**
 * Checks the ledger against the event store. Returns the problems found (empty when every acknowledged
 * request is there exactly once and whole, and no batch is torn, duplicated or mixed) and the counts,
 * in all and by round (the runs applied although their start was in doubt are known only in all).
 */
export function checkLedger(ledger: SentRun[], stored: Map<string, StoredExecution>): { problems: string[]; total: LedgerCounts; byRound: Map<number, LedgerCounts> } {
  const problems: string[] = [];
  const total = emptyCounts();
  const byRound = new Map<number, LedgerCounts>();
  const known = new Set<string>();
  for (const run of ledger) {
    if (!byRound.has(run.round)) byRound.set(run.round, emptyCounts());
    const counts = byRound.get(run.round)!;
    if (run.outcome === 'in doubt') {
      counts.inDoubt.runs++;
      continue;
    }
    counts.acknowledged.runs++;
    const id = run.executionId!;
    known.add(id);
    const execution = stored.get(id);
    if (!execution) {
      problems.push(`run ${id} (round ${run.round}) was acknowledged and is not in the event store`);
      continue;
    }
    if (execution.created.taskId !== run.taskId || execution.created.triggerType !== 'EXTERNAL') {
      problems.push(`run ${id}: created as ${JSON.stringify(execution.created)}`);
    } else counts.present.runs++;
    checkBatches(run, execution, counts, problems);
    checkEnd(run, execution, counts, problems);
  }
  for (const counts of byRound.values()) addCounts(total, counts);
  // Runs whose start was in doubt: at most that many executions nobody was told of, with nothing reported to them.
  const unknown = [...stored.entries()].filter(([id]) => !known.has(id));
  total.inDoubtApplied.runs = unknown.length;
  if (unknown.length > total.inDoubt.runs) {
    problems.push(`${unknown.length} executions that no acknowledged run started, but only ${total.inDoubt.runs} starts were in doubt`);
  }
  for (const [id, execution] of unknown) {
    if (execution.logBatches.length > 0 || execution.ends.length > 0) problems.push(`execution ${id}, never acknowledged, has reports`);
  }
  return { problems, total, byRound };
}

function emptyCounts(): LedgerCounts {
  const zero = () => ({ runs: 0, batches: 0, lines: 0, ends: 0 });
  return { acknowledged: zero(), present: zero(), inDoubt: { runs: 0, batches: 0, ends: 0 }, inDoubtApplied: { runs: 0, batches: 0, ends: 0 } };
}

function addCounts(into: LedgerCounts, from: LedgerCounts): void {
  for (const group of ['acknowledged', 'present', 'inDoubt', 'inDoubtApplied'] as const) {
    const target = into[group] as Record<string, number>;
    for (const [key, value] of Object.entries(from[group])) target[key] = (target[key] ?? 0) + value;
  }
}

/** "acknowledged 120 (30 runs, 60 log batches with 700 lines, 30 reports), present 120; in doubt 6, applied 2" */
export function describeCounts(counts: LedgerCounts): string {
  const sum = (c: { runs: number; batches: number; ends: number }) => c.runs + c.batches + c.ends;
  const { acknowledged: a, present: p, inDoubt: d, inDoubtApplied: applied } = counts;
  return (
    `acknowledged ${sum(a)} (${a.runs} runs, ${a.batches} log batches with ${a.lines} lines, ${a.ends} status reports), ` +
    `present ${sum(p)} (${p.runs} runs, ${p.batches} log batches with ${p.lines} lines, ${p.ends} status reports); ` +
    `in doubt ${sum(d)} (${d.runs} runs, ${d.batches} batches, ${d.ends} reports), applied ${sum(applied)}`
  );
}

function checkBatches(run: SentRun, execution: StoredExecution, counts: LedgerCounts, problems: string[]): void {
  const id = run.executionId!;
  const sentByTag = new Map(run.batches.map((b) => [b.tag, b]));
  const seen: SentBatch[] = [];
  for (const lines of execution.logBatches) {
    const tag = lines[0]?.message.split(' ')[0] ?? '';
    const sent = sentByTag.get(tag);
    if (!sent || JSON.stringify(lines) !== JSON.stringify(sent.lines)) {
      problems.push(`execution ${id}: a stored batch is torn or unknown: ${JSON.stringify(lines).slice(0, 300)}`);
      continue;
    }
    if (seen.includes(sent)) problems.push(`execution ${id}: batch ${tag} is stored twice`);
    seen.push(sent);
  }
  // Stored in the order they were sent (each was sent after the previous one was answered).
  const order = run.batches.filter((b) => seen.includes(b));
  if (JSON.stringify(order.map((b) => b.tag)) !== JSON.stringify(seen.map((b) => b.tag))) {
    problems.push(`execution ${id}: batches stored out of order: ${seen.map((b) => b.tag).join(', ')}`);
  }
  for (const batch of run.batches) {
    const stored = seen.includes(batch);
    if (batch.outcome === 'in doubt') {
      counts.inDoubt.batches++;
      if (stored) counts.inDoubtApplied.batches++;
      continue;
    }
    counts.acknowledged.batches++;
    counts.acknowledged.lines += batch.lines.length;
    if (!stored) problems.push(`execution ${id}: log batch ${batch.tag} (${batch.lines.length} lines) was acknowledged and is not stored`);
    else {
      counts.present.batches++;
      counts.present.lines += batch.lines.length;
    }
  }
}

function checkEnd(run: SentRun, execution: StoredExecution, counts: LedgerCounts, problems: string[]): void {
  const id = run.executionId!;
  const { end } = run;
  if (execution.ends.length > (end ? 1 : 0)) problems.push(`execution ${id}: ${execution.ends.length} end events for ${end ? 'one report' : 'no report'}`);
  if (!end) return;
  const stored = execution.ends[0];
  const expected = { type: end.status === 'SUCCESS' ? 'ExecutionSucceeded' : 'ExecutionFailed', error: end.status === 'FAILED' ? end.error : null };
  if (stored && (stored.type !== expected.type || (stored.type === 'ExecutionFailed' && stored.error !== expected.error))) {
    problems.push(`execution ${id}: ended ${JSON.stringify(stored)}, reported ${JSON.stringify(expected)}`);
  }
  if (end.outcome === 'in doubt') {
    counts.inDoubt.ends++;
    if (stored) counts.inDoubtApplied.ends++;
    return;
  }
  counts.acknowledged.ends++;
  if (!stored) problems.push(`execution ${id}: the ${end.status} report was acknowledged and is not stored`);
  else counts.present.ends++;
}

/**
 * Checks what the API answers (the read models) against the event store: each execution's status, log
 * count and every log line in order with its number, and each project's list of executions. Returns
 * the problems found.
 */
export async function checkReadModels(client: ApiClient, stored: Map<string, StoredExecution>, executionIds: string[], projectIds: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const id of executionIds) {
    const execution = stored.get(id)!;
    // Numbered from 0 in the order stored, with no gap.
    const lines = execution.logBatches.flat().map((line, seq) => ({ seq, ...line }));
    const status = execution.ends[0] ? (execution.ends[0].type === 'ExecutionSucceeded' ? 'SUCCESS' : 'FAILED') : 'RUNNING';
    const detail = await client.get(`/executions/${id}`);
    const logs = await client.get(`/executions/${id}/logs?limit=1000`);
    const shown = { status: detail.body?.status, logs_count: detail.body?.logs_count, lines: (logs.body?.data ?? []).map((l: { seq: number; message: string; level: string }) => ({ seq: l.seq, message: l.message, level: l.level })) };
    const expected = { status, logs_count: lines.length, lines };
    if (detail.status !== 200 || logs.status !== 200 || JSON.stringify(shown) !== JSON.stringify(expected)) {
      problems.push(`execution ${id}: the API shows ${detail.status}/${logs.status} ${JSON.stringify(shown).slice(0, 300)}; the events say ${JSON.stringify(expected).slice(0, 300)}`);
    }
  }
  for (const projectId of projectIds) {
    const listed = await projectExecutionIds(client, projectId);
    const expected = [...stored.entries()].filter(([, e]) => e.created.projectId === projectId).map(([id]) => id);
    if (JSON.stringify(listed.sort()) !== JSON.stringify(expected.sort())) {
      problems.push(`project ${projectId}: the API lists ${listed.length} executions, the events hold ${expected.length}`);
    }
  }
  return problems;
}

async function projectExecutionIds(client: ApiClient, projectId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (;;) {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const response = await client.get(`/projects/${projectId}/executions?limit=500${query}`);
    if (response.status !== 200) throw new Error(`executions of ${projectId}: ${response.status} ${JSON.stringify(response.body)}`);
    ids.push(...(response.body.data as Array<{ id: string }>).map((r) => r.id));
    cursor = response.body.next_cursor as string | null;
    if (!cursor) return ids;
  }
}
