import { execFile } from 'node:child_process';

export interface CurlAnswer {
  /** curl's exit code (22 with -f on a 4xx/5xx). */
  code: number;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Runs the real curl (`/usr/bin/curl`) with these arguments, as a crontab line would, and reads what it
 * printed: `-D -` puts the answer's head before its body on stdout.
 */
export function curl(args: string[], options: { input?: string } = {}): Promise<CurlAnswer> {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/curl', ['-sS', '-D', '-', ...args], { maxBuffer: 32 * 1024 * 1024 }, (err, stdout) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolve(parse(code, stdout));
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Runs a shell line (a crontab entry, a wrapper) and resolves with its exit code and output. */
export function shell(line: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', line], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function parse(code: number, output: string): CurlAnswer {
  // With -D - every head (a 100 Continue, then the answer) comes first; the last one is the answer's.
  let rest = output;
  let head = '';
  while (/^HTTP\/[\d.]+ \d{3}/.test(rest)) {
    const end = rest.indexOf('\r\n\r\n');
    head = rest.slice(0, end);
    rest = rest.slice(end + 4);
  }
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { code, status: Number(statusLine?.split(' ')[1] ?? 0), headers, body: rest };
}
