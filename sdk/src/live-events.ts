/**
 * A project's live updates: the server-sent events of `GET /projects/{project_id}/events`, read with
 * the `eventsource` package (a WHATWG EventSource for Node that takes a custom fetch, so the stream
 * is authenticated by the same `Authorization` header as every other call of the SDK).
 *
 * A message tells *that* something changed (an execution's status, new log lines, a task); the REST
 * routes stay the source of truth, so a client re-reads what it shows on each message, and re-reads
 * everything on each `ready` (sent first on every connection, so also after a reconnection, when
 * messages may have been missed).
 */
import { type ErrorEvent, EventSource, type FetchLike } from 'eventsource';
import { backoffDelay, retryPolicy } from './retry';

export const LIVE_EVENT_NAMES = ['ready', 'execution', 'stats', 'task', 'logs'] as const;
export type LiveEventName = (typeof LIVE_EVENT_NAMES)[number];

/**
 * One message: `ready` {project_id, position}; `execution` {execution_id, task_id, project_id, type,
 * status, at}; `stats` {project_id, task_id, execution_id, status, scheduled_at}; `task` {task_id,
 * project_id, type, status}; `logs` {execution_id, task_id, project_id, lines}.
 */
export interface LiveMessage {
  event: LiveEventName;
  data: Record<string, unknown>;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface LiveEventsOptions {
  /** First wait before the stream is opened again after it failed or dropped (default 1 s); doubles, with jitter, up to maxReconnectDelayMs. */
  reconnectDelayMs?: number;
  /** Longest wait between two attempts (default 30 s). */
  maxReconnectDelayMs?: number;
  /** Told each change of the connection's state, with the reason of a failure. */
  onStateChange?: (state: LiveState, reason?: string) => void;
}

export interface LiveConnection {
  /** Sent with each request (`Authorization`, user agent). */
  headers: Record<string, string>;
  /** A fetch to use instead of the global one (as in ApiClientOptions). */
  fetch?: (input: Request) => Promise<Response>;
}

/**
 * The open stream of one project, kept open until close(): when it cannot be opened or drops it is
 * opened again with exponential backoff (the library alone would retry at the server's fixed pace,
 * and not at all after an error answer).
 */
export class LiveEvents {
  readonly #listeners = new Set<(message: LiveMessage) => void>();
  readonly #fetch: FetchLike;
  #source: EventSource | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #state: LiveState = 'connecting';

  constructor(
    readonly url: string,
    connection: LiveConnection,
    private readonly options: LiveEventsOptions = {},
  ) {
    const send = connection.fetch ?? fetch;
    this.#fetch = (target, init) => send(new Request(target, { ...init, headers: { ...init.headers, ...connection.headers } }));
    this.#open();
  }

  get state(): LiveState {
    return this.#state;
  }

  /** Calls `listener` with each message until the returned function is called. */
  subscribe(listener: (message: LiveMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes the stream for good (and stops reconnecting), so nothing keeps the process alive. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#source?.close();
    this.#source = undefined;
    this.#listeners.clear();
    this.#setState('closed');
  }

  #open(): void {
    const source = new EventSource(this.url, { fetch: this.#fetch });
    this.#source = source;
    for (const name of LIVE_EVENT_NAMES) source.addEventListener(name, (event) => this.#deliver(name, event.data));
    source.addEventListener('error', (event: ErrorEvent) => {
      if (this.#source !== source) return;
      this.#source = undefined;
      // After this handler the library arms its own retry timer: closing once it has returns clears that too.
      queueMicrotask(() => source.close());
      this.#failures += 1;
      this.#setState('reconnecting', event.message ?? (event.code ? `HTTP ${event.code}` : undefined));
      const policy = retryPolicy({ initialDelayMs: this.options.reconnectDelayMs ?? 1000, maxDelayMs: this.options.maxReconnectDelayMs ?? 30_000 });
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#open();
      }, backoffDelay(this.#failures, policy));
    });
  }

  #deliver(event: LiveEventName, raw: unknown): void {
    if (this.#state === 'closed') return;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(String(raw)) as Record<string, unknown>;
    } catch {
      return; // a malformed message tells nothing
    }
    if (event === 'ready') {
      this.#failures = 0;
      this.#setState('live');
    }
    for (const listener of [...this.#listeners]) listener({ event, data });
  }

  #setState(state: LiveState, reason?: string): void {
    if (state === this.#state && state !== 'reconnecting') return;
    this.#state = state;
    this.options.onStateChange?.(state, reason);
  }
}
