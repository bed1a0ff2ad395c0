import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type VendorFormat, vendorProblems } from './vendor-formats';

export interface ReceivedRequest {
  format: VendorFormat;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** What the vendor would have answered. */
  status: number;
}

/**
 * A local stand-in for the vendors: `/<format>/...` is checked against that vendor's documented format
 * (a payload it would refuse is answered 400, as the vendor does) and answered as the vendor does
 * (Slack 200 "ok", Discord 204, Teams 202, PagerDuty 202 with the dedup key, ntfy 200). `outage(format, n)`
 * answers that vendor's next n requests 503 first.
 */
const ANSWERS: Record<VendorFormat, number> = { slack: 200, discord: 204, teams: 202, pagerduty: 202, ntfy: 200 };

export class VendorReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly outageLeft = new Map<VendorFormat, number>();
  private server!: Server;
  url = '';

  static async start(): Promise<VendorReceiver> {
    const receiver = new VendorReceiver();
    receiver.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => receiver.answer(req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  outage(format: VendorFormat, requests: number): void {
    this.outageLeft.set(format, requests);
  }

  /** The requests a vendor accepted (2xx), of one format. */
  accepted(format: VendorFormat): ReceivedRequest[] {
    return this.requests.filter((r) => r.format === format && r.status < 300);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(path: string, headers: IncomingHttpHeaders, text: string, res: import('node:http').ServerResponse): void {
    const format = path.split('/')[1] as VendorFormat;
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // a non-JSON body is a problem the checker reports
    }
    const problems = headers['content-type']?.startsWith('application/json') ? vendorProblems(format, body) : ['Content-Type: application/json'];
    const down = this.outageLeft.get(format) ?? 0;
    if (down > 0) this.outageLeft.set(format, down - 1);
    const status = down > 0 ? 503 : problems.length > 0 ? 400 : (ANSWERS[format] ?? 404);
    this.requests.push({ format, path, headers, body, status });
    if (status === 400) {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ problems }));
      return;
    }
    if (format === 'pagerduty' && status === 202) {
      res.writeHead(202, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: (body as any).dedup_key }));
      return;
    }
    res.writeHead(status).end(status === 200 ? 'ok' : undefined);
  }
}
