/**
 * The per-server parts of the read side that live beside the HTTP routes: the Prometheus registry
 * (metrics.ts), the server-sent events hub (live-events.ts), and the one in-process `$all` subscriber
 * that feeds both. Started by server.ts after the projections, stopped before the HTTP server closes
 * (open event streams would otherwise keep it from closing).
 */
import { randomBytes } from 'node:crypto';
import type { AppServices } from '../app-services';
import type { ExecutionDoc } from '../projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../projections/history-projection';
import type { Position, Subscription } from '../stores/events/event-store';
import { LiveEventsHub, type LiveHubOptions, liveMessagesOf } from './live-events';
import { LiveStreamGuard } from './live-stream-guard';
import { ServerMetrics } from './metrics';

/** What the subscriber follows: execution status, dispatch and log events, task events, alert events. */
const STREAM_PREFIXES = ['execution-', 'executionlog-', 'task-', 'alerts-'];
const TOKEN_KEY_META = 'live-events:token-key';
/** How long a batch waits for the projections before its messages go out anyway. */
const PROJECTION_WAIT_MS = 10_000;
const RETRY_DELAY_MS = 1000;

export class ReadSide {
  readonly metrics: ServerMetrics;
  readonly live: LiveEventsHub;
  /** Ends the streams of principals that lost access. */
  readonly guard: LiveStreamGuard;
  /** Last `$all` position the subscriber has handled (null before the first event). */
  position: Position | null = null;
  private subscription: Subscription | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private tokenKeyPromise: Promise<Buffer> | null = null;

  constructor(
    private readonly services: AppServices,
    options: LiveHubOptions = {},
  ) {
    this.live = new LiveEventsHub({ ...options, onDropped: () => this.metrics.liveDropped.inc() });
    this.metrics = new ServerMetrics(services, () => this.live.connectionCount);
    this.guard = new LiveStreamGuard(this.live, services);
  }

  /** Follows `$all` from its current head (counters count from the server's start). */
  async start(): Promise<void> {
    if (this.loop) return;
    this.guard.start();
    this.position = await this.services.events.headPosition();
    this.loop = this.run();
  }

  /** Resolves once every event it follows that was stored when called has been counted and pushed. */
  async whenCaughtUp(): Promise<void> {
    const head = await this.services.events.headPosition();
    for (;;) {
      const [next] = await this.services.events.readAll({ after: this.position, filter: { streamPrefixes: STREAM_PREFIXES }, maxCount: 1 });
      if (!next || head === null || next.position > head) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.guard.stop();
    this.live.stop();
    await this.subscription?.close().catch(() => undefined);
    await this.loop;
  }

  /** The key stream tokens are sealed with, shared through the read store by every server of the installation. */
  tokenKey(): Promise<Buffer> {
    this.tokenKeyPromise ??= (async () => {
      const reads = this.services.reads;
      let hex = await reads.getMeta<string>(TOKEN_KEY_META);
      if (!hex) {
        await reads.setMeta(TOKEN_KEY_META, randomBytes(32).toString('hex'));
        // Read back: if another server wrote one at the same moment, all agree on the last.
        hex = (await reads.getMeta<string>(TOKEN_KEY_META))!;
      }
      return Buffer.from(hex, 'hex');
    })().catch((err) => {
      this.tokenKeyPromise = null;
      throw err;
    });
    return this.tokenKeyPromise;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.subscription = this.services.events.subscribeToAll({ after: this.position, filter: { streamPrefixes: STREAM_PREFIXES }, maxBatch: 500 });
        for await (const batch of this.subscription) {
          if (this.stopped) break;
          for (const event of batch) this.metrics.countEvent(event);
          if (this.live.hasSubscribers()) await this.deliver(batch);
          this.position = batch[batch.length - 1]?.position ?? this.position;
        }
        if (this.stopped) break;
      } catch (err) {
        if (this.stopped) break;
        this.services.logger.error({ err }, 'live events subscriber failed; resuming');
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      } finally {
        await this.subscription?.close().catch(() => undefined);
        this.subscription = null;
      }
    }
  }

  /** Sends a batch's messages once every projection has applied it. */
  private async deliver(batch: Awaited<ReturnType<AppServices['events']['readAll']>>): Promise<void> {
    const messages = batch.flatMap(liveMessagesOf).filter((m) => this.live.hasSubscribers(m.projectId));
    if (messages.length === 0) return;
    const last = batch[batch.length - 1]!.position;
    await this.services.projections.waitForPosition(last, PROJECTION_WAIT_MS).catch((err) => {
      this.services.logger.warn({ err, position: last }, 'projections are behind; sending live events anyway');
    });
    for (const message of messages) {
      if (message.needsScheduledAt) {
        const execution = await this.services.reads
          .get<ExecutionDoc>(this.services.registry.collection(HISTORY_PROJECTION, EXECUTIONS), message.needsScheduledAt)
          .catch(() => null);
        message.data.scheduled_at = execution?.scheduledAt ?? null;
      }
      this.live.publish(message);
    }
  }
}

const readSides = new WeakMap<AppServices, ReadSide>();

/** The read side of a server's services (created on first use, started by startReadSide). */
export function readSideOf(services: AppServices): ReadSide {
  let readSide = readSides.get(services);
  if (!readSide) {
    readSide = new ReadSide(services);
    readSides.set(services, readSide);
  }
  return readSide;
}

export async function startReadSide(services: AppServices): Promise<ReadSide> {
  const readSide = readSideOf(services);
  await readSide.start();
  return readSide;
}
