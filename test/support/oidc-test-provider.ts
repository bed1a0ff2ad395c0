import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The claims a test account's ID token carries (besides `sub`, its login). */
export interface TestAccountClaims {
  email: string;
  email_verified: boolean;
  name?: string;
  groups?: string[];
}

/** A relying party registered at the provider: public without a secret, client_secret_post with one. */
export interface TestClient {
  clientId: string;
  redirectUri: string;
  clientSecret?: string;
}

export interface TestOidcProvider {
  issuer: string;
  /** Registers the relying parties' clients and the accounts that may sign in; resolves once served. */
  serve(settings: { clients: TestClient[]; accounts: Record<string, TestAccountClaims> }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real OpenID Connect provider (oidc-provider) in a child process on a random loopback port
 * (test/support/oidc-provider.mjs). Its issuer is known before the relying party starts, its client
 * (whose redirect URI names the relying party's port) is given after.
 */
export async function startTestOidcProvider(): Promise<TestOidcProvider> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [join(__dirname, 'oidc-provider.mjs')], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the test provider exited (${code}): ${stderr}`))));
    const line = await Promise.race([lines.next(), exited]);
    if (line.done) throw new Error(`the test provider closed its output: ${stderr}`);
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const { issuer } = (await next()) as { issuer: string };
  return {
    issuer,
    serve: async (settings) => {
      child.stdin.write(`${JSON.stringify(settings)}\n`);
      const { ready } = await next();
      if (ready !== true) throw new Error('the test provider did not start serving');
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}
