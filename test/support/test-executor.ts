import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One webhook as the executor received it. */
export interface ReceivedDispatch {
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received (what the signature covers). */
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  receivedAt: number;
}

/**
 * Decides the answer to one dispatch: write to `response` (or never, to hang). `received` is the
 * dispatch; `count` how many dispatches of the same execution arrived so far (1 for the first).
 */
export type ExecutorHandler = (received: ReceivedDispatch, response: ServerResponse, count: number) => void | Promise<void>;

/** A project's execution endpoint for tests: an HTTP server on 127.0.0.1 (or `host`) and a random port that records every POST. */
export class TestExecutor {
  readonly received: ReceivedDispatch[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly handlers = new Set<Promise<void>>();
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly handlerRef: { current: ExecutorHandler },
  ) {}

  /** Answers 200 `{ok: true}` unless told otherwise. */
  static async start(handler: ExecutorHandler = (_received, response) => void response.end('{"ok":true}'), host = '127.0.0.1'): Promise<TestExecutor> {
    const handlerRef = { current: handler };
    let executor!: TestExecutor;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = JSON.parse(body);
        } catch {
          json = null;
        }
        const received: ReceivedDispatch = { headers: request.headers, body, json, receivedAt: Date.now() };
        executor.received.push(received);
        const executionId = (json as { execution_id?: string } | null)?.execution_id;
        const count = executor.received.filter((r) => r.json?.execution_id === executionId).length;
        for (const wake of [...executor.waiters]) wake();
        const handling = Promise.resolve(handlerRef.current(received, response, count)).catch((err) => {
          if (!response.headersSent) response.writeHead(500).end(String(err));
        });
        executor.handlers.add(handling);
        void handling.finally(() => executor.handlers.delete(handling));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as AddressInfo;
    executor = new TestExecutor(server, `http://${host.includes(':') ? `[${host}]` : host}:${port}/run`, handlerRef);
    server.on('connection', (socket: Socket) => {
      executor.sockets.add(socket);
      socket.on('close', () => executor.sockets.delete(socket));
    });
    return executor;
  }

  set handler(handler: ExecutorHandler) {
    this.handlerRef.current = handler;
  }

  /** Dispatches of one execution, in arrival order. */
  of(executionId: string): ReceivedDispatch[] {
    return this.received.filter((r) => r.json?.execution_id === executionId);
  }

  /** Resolves once `count` dispatches of the execution have arrived. */
  async waitFor(executionId: string, count = 1, timeoutMs = 10_000): Promise<ReceivedDispatch[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.of(executionId).length < count) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${count} dispatches of ${executionId} (got ${this.of(executionId).length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters.clear();
    }
    return this.of(executionId);
  }

  /** Resolves when every handler started so far has finished (e.g. a slow answer was written). */
  async idle(): Promise<void> {
    while (this.handlers.size > 0) await Promise.allSettled([...this.handlers]);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback port nothing listens on (bound, then released): connecting to it is refused. */
export async function refusedUrl(host = '127.0.0.1'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://${host}:${port}/run`;
}
