/** A minimal server-sent events client over fetch, for tests: collects messages and waits for one. */
export interface SseMessage {
  event: string;
  id: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  /** performance.now() when the message was parsed. */
  receivedAt: number;
}

export interface SseConnection {
  status: number;
  headers: Headers;
  messages: SseMessage[];
  comments: string[];
  /** Resolves with the first message (already received or future) that matches. */
  next(match: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
  /** The error body of a refused request. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body?: any;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      messages,
      comments,
      next: () => Promise.reject(new Error(`no stream: ${response.status} ${text}`)),
      ended: Promise.resolve(),
      close: () => undefined,
      body: text ? JSON.parse(text) : undefined,
    };
  }
  const ended = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let id: string | null = null;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) messages.push({ event, id, data: JSON.parse(data.join('\n')), receivedAt: performance.now() });
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted or reset
    }
    for (const wake of waiters) wake();
  })();
  let finished = false;
  void ended.then(() => (finished = true));
  return {
    status: response.status,
    headers: response.headers,
    messages,
    comments,
    ended,
    close: () => abort.abort(),
    next(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          } else if (finished) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error('the stream ended'));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => [m.event, m.data]))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
