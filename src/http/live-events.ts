/**
 * Live updates over server-sent events (`GET /api/v1/projects/{project_id}/events`).
 *
 * One in-process subscription per server (read-side.ts) follows `$all` from the server's start. For each
 * batch of stored events it waits until every live projection has applied them
 * (`projections.waitForPosition`), so a client that re-reads on a message sees the change, then sends
 * each project's streams a small message:
 *
 *   event: execution  {execution_id, task_id, project_id, type, status, at}   an execution event
 *   event: stats      {project_id, task_id, execution_id, status, scheduled_at} stats changed (created or ended)
 *   event: task       {task_id, project_id, type, status}                       a task event
 *   event: logs       {execution_id, task_id, project_id, lines}                log lines were appended
 *
 * Each message's `id:` is the `$all` position of its event (decimal). A comment line (`: ping`) goes out
 * every 15 s so proxies keep the stream open. A client that does not read falls behind: once more than
 * `maxBuffered` messages wait for it, its stream is closed (EventSource reconnects; the client then
 * re-reads what it shows). Streams end when the client goes away or the server stops, and within a second
 * of the principal losing access (live-stream-guard.ts), with a last `event: revoked` {project_id, reason}.
 */
import type { Response } from 'express';
import type { Principal } from '../auth/principal';
import { UnavailableError } from '../errors/app-error';
import { isEventOf } from '../events/event';
import { EXECUTION_EVENT_TYPES, type ExecutionEvent } from '../events/execution-events';
import { EXECUTION_LOG_EVENT_TYPES, type ExecutionLogsAppended } from '../events/execution-log-events';
import { TASK_EVENT_TYPES, type TaskEvent } from '../events/task-events';
import { statusAfter } from '../projections/execution-read-model';
import type { RecordedEvent } from '../stores/events/event-store';

export type LiveEventName = 'ready' | 'execution' | 'stats' | 'task' | 'logs';

export interface LiveMessage {
  event: LiveEventName;
  projectId: string;
  /** `$all` position of the event, the SSE `id`. */
  position: number;
  data: Record<string, unknown>;
  /** For a stats message of an ending: the execution whose scheduled instant completes `data`. */
  needsScheduledAt?: string;
}

const ENDING_TYPES = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionCancelled', 'ExecutionTimedOut', 'ExecutionMissed', 'ExecutionSkipped']);

/** The messages one stored event gives (none for events the live feed does not carry). */
export function liveMessagesOf(event: RecordedEvent): LiveMessage[] {
  if (isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) {
    const { executionId, taskId, projectId } = event.data;
    const status = statusAfter(event);
    const at = event.type === 'ExecutionCreated' ? event.data.createdAt : event.data.at;
    const messages: LiveMessage[] = [
      {
        event: 'execution',
        projectId,
        position: event.position,
        data: { execution_id: executionId, task_id: taskId, project_id: projectId, type: event.type, status, at },
      },
    ];
    if (event.type === 'ExecutionCreated') {
      messages.push({
        event: 'stats',
        projectId,
        position: event.position,
        data: { project_id: projectId, task_id: taskId, execution_id: executionId, status, scheduled_at: event.data.scheduledAt },
      });
    } else if (ENDING_TYPES.has(event.type)) {
      messages.push({
        event: 'stats',
        projectId,
        position: event.position,
        data: { project_id: projectId, task_id: taskId, execution_id: executionId, status, scheduled_at: null },
        needsScheduledAt: executionId,
      });
    }
    return messages;
  }
  if (isEventOf<TaskEvent>(TASK_EVENT_TYPES, event)) {
    const { taskId, projectId } = event.data;
    const status =
      event.type === 'TaskCreated' || event.type === 'TaskStatusChanged'
        ? event.data.status
        : event.type === 'TaskDeletionRequested'
          ? 'PENDING_DELETE'
          : event.type === 'TaskDeletionFailed'
            ? 'DELETE_FAILED'
            : event.type === 'TaskDeleted'
              ? 'DELETED'
              : null;
    return [{ event: 'task', projectId, position: event.position, data: { task_id: taskId, project_id: projectId, type: event.type, status } }];
  }
  if (isEventOf<ExecutionLogsAppended>(EXECUTION_LOG_EVENT_TYPES, event)) {
    const { executionId, taskId, projectId, lines } = event.data;
    return [
      { event: 'logs', projectId, position: event.position, data: { execution_id: executionId, task_id: taskId, project_id: projectId, lines: lines.length } },
    ];
  }
  return [];
}

export function sseFrame(message: Pick<LiveMessage, 'event' | 'position' | 'data'>): string {
  return `id: ${message.position}\nevent: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

export interface LiveHubOptions {
  heartbeatMs?: number;
  /** Messages that may wait for one slow client before its stream is closed. */
  maxBuffered?: number;
  onDropped?: () => void;
}

/** An open stream, as whoever checks its access sees it (live-stream-guard.ts). */
export interface LiveStream {
  readonly projectId: string;
  /** Who opened it, as of the last check. */
  principal: Principal;
  /** The latest revocation known before `principal` was last checked (PrincipalResolver.latestRevocation). */
  checkedAfterRevocation: number;
}

/** One client's stream: writes while the socket takes them, queues (boundedly) while it does not. */
class LiveConnection implements LiveStream {
  private readonly queue: string[] = [];
  private blocked = false;
  closed = false;

  constructor(
    readonly projectId: string,
    public principal: Principal,
    public checkedAfterRevocation: number,
    private readonly response: Response,
    private readonly maxBuffered: number,
    private readonly onOverflow: () => void,
  ) {
    response.on('drain', () => this.flush());
  }

  send(frame: string): void {
    if (this.closed) return;
    if (this.blocked) {
      this.queue.push(frame);
      if (this.queue.length > this.maxBuffered) this.overflow();
      return;
    }
    if (!this.response.write(frame)) this.blocked = true;
  }

  /** Ends the stream, after `finalFrame` when given (whatever is still queued is dropped). */
  end(finalFrame?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    if (finalFrame === undefined) this.response.end();
    else this.response.end(finalFrame);
  }

  private flush(): void {
    this.blocked = false;
    while (!this.blocked && this.queue.length > 0) {
      if (!this.response.write(this.queue.shift()!)) this.blocked = true;
    }
  }

  private overflow(): void {
    this.closed = true;
    this.queue.length = 0;
    this.onOverflow();
    this.response.destroy();
  }
}

/** The streams of one server, by project. */
export class LiveEventsHub {
  private readonly byProject = new Map<string, Set<LiveConnection>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxBuffered: number;
  private stopped = false;

  constructor(private readonly options: LiveHubOptions = {}) {
    this.maxBuffered = options.maxBuffered ?? 1000;
    this.heartbeat = setInterval(() => this.broadcastComment('ping'), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get connectionCount(): number {
    let n = 0;
    for (const set of this.byProject.values()) n += set.size;
    return n;
  }

  hasSubscribers(projectId?: string): boolean {
    return projectId === undefined ? this.byProject.size > 0 : (this.byProject.get(projectId)?.size ?? 0) > 0;
  }

  /**
   * Turns the response into an event stream for the project until the client leaves, the hub stops or
   * the principal loses access (`revoke`). `checkedAfterRevocation`: see LiveStream.
   */
  attach(projectId: string, response: Response, position: number | null, principal: Principal, checkedAfterRevocation: number): void {
    if (this.stopped) throw new UnavailableError('The server is stopping');
    // The client may have gone while it was being authenticated: nothing to stream to, and no 'close' to come.
    if (response.destroyed || response.socket?.destroyed) return;
    response.status(200);
    response.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    response.socket?.setNoDelay(true);
    const connection = new LiveConnection(projectId, principal, checkedAfterRevocation, response, this.maxBuffered, () => this.options.onDropped?.());
    let set = this.byProject.get(projectId);
    if (!set) this.byProject.set(projectId, (set = new Set()));
    set.add(connection);
    response.on('close', () => {
      connection.closed = true;
      this.forget(connection);
    });
    connection.send(`retry: 2000\n\n`);
    connection.send(sseFrame({ event: 'ready', position: position ?? 0, data: { project_id: projectId, position: position === null ? null : String(position) } }));
  }

  publish(message: LiveMessage): void {
    const set = this.byProject.get(message.projectId);
    if (!set) return;
    const frame = sseFrame(message);
    for (const connection of set) connection.send(frame);
  }

  /** Every open stream. */
  streams(): LiveStream[] {
    return [...this.byProject.values()].flatMap((set) => [...set]);
  }

  /**
   * Ends a stream whose principal lost access, with a last message saying why:
   * `event: revoked` {project_id, reason}. (EventSource then reconnects and is refused.)
   */
  revoke(stream: LiveStream, reason: string): void {
    const connection = stream as LiveConnection;
    if (connection.closed) return;
    this.forget(connection);
    connection.end(`event: revoked\ndata: ${JSON.stringify({ project_id: connection.projectId, reason })}\n\n`);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const set of this.byProject.values()) for (const connection of set) connection.end();
    this.byProject.clear();
  }

  private forget(connection: LiveConnection): void {
    const set = this.byProject.get(connection.projectId);
    set?.delete(connection);
    if (set && set.size === 0) this.byProject.delete(connection.projectId);
  }

  private broadcastComment(text: string): void {
    for (const set of this.byProject.values()) for (const connection of set) connection.send(`: ${text}\n\n`);
  }
}
