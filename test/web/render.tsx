import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';

/** Renders with a fresh query cache (no retries: a refused request shows at once). */
export function renderWithQueries(ui: ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
}

export interface RecordedRequest {
  method: string;
  url: string;
  body: unknown;
  /** Lowercased names. */
  headers: Record<string, string>;
}

/**
 * Stubs the network boundary only (global fetch): `answer` gets each request and returns
 * [status, json body, response headers?]; every request is recorded.
 */
export function stubFetch(answer: (request: RecordedRequest) => [number, unknown, Record<string, string>?]): RecordedRequest[] {
  const requests: RecordedRequest[] = [];
  globalThis.fetch = jest.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const text = await request.text();
    const headers = Object.fromEntries([...request.headers.entries()].map(([name, value]) => [name.toLowerCase(), value]));
    const recorded = { method: request.method, url: request.url, body: text ? JSON.parse(text) : undefined, headers };
    requests.push(recorded);
    const [status, body, extra = {}] = answer(recorded);
    // A 204 has no body at all, as the server sends it.
    if (status === 204) return new Response(null, { status, headers: extra });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...extra } });
  }) as typeof fetch;
  return requests;
}
