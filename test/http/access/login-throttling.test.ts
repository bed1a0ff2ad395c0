import { strongPassword } from '../../support/passwords';
import { type SignInAnswer, signInFrom } from '../../support/sign-in-from';
import { newSignedInUser, startServerWithAdmin, TEST_ADMIN } from '../../support/signed-in';
import { startTestServer, type TestServer } from '../../support/test-server';
import { waitFor } from '../../support/wait-for';
import type { ApiClient } from '../../support/api-client';

/**
 * Sign-in throttling over real HTTP, each source address a different loopback address. Waits are
 * whole seconds (Retry-After), so the test waits for the throttle to admit an attempt again rather than
 * moving a clock: rate-limiter-flexible keeps time by Date.now.
 */
describe('sign-in throttling', () => {
  let server: TestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    // The defaults, except the broad limits, made small enough to reach here.
    ({ server, admin } = await startServerWithAdmin({ loginThrottle: { addressFreeFailures: 20, accountFreeFailures: 15 } }));
  });
  afterAll(async () => {
    await server.stop();
  });

  const wrong = (email: string, n: number) => ({ email, password: `wrong guess number ${n}` });

  /** The wait each admitted failure started: the Retry-After of the 429 right after a 401. */
  function waitsStarted(answers: SignInAnswer[]): number[] {
    return answers.flatMap((answer, i) => (i > 0 && answers[i - 1]!.status === 401 && answer.status === 429 ? [answer.retryAfter!] : []));
  }

  it('answers hundreds of wrong passwords for one account from one address with 429 and a growing Retry-After, while the user signs in from elsewhere', async () => {
    const attacker = '127.0.0.2';
    const answers: SignInAnswer[] = [];
    const started = performance.now();
    for (let n = 0; n < 300; n += 1) answers.push(await signInFrom(server.url, attacker, wrong(TEST_ADMIN.email, n)));
    const seconds = (performance.now() - started) / 1000;

    expect(answers.slice(0, 6).map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
    const refused = answers.filter((a) => a.status === 429);
    // Only attempts the growing waits let through were checked: after the sixth, one 1 s later, one
    // 2 s after that, 4 s, … so at most log2(seconds + 1) more (and one for rounding).
    const admittedLater = Math.floor(Math.log2(seconds + 1)) + 1;
    console.log(`300 wrong passwords in ${seconds.toFixed(1)} s: ${answers.length - refused.length} checked, ${refused.length} refused 429`);
    expect(answers.length - refused.length).toBeLessThanOrEqual(6 + admittedLater);
    expect(refused.length).toBeGreaterThanOrEqual(300 - 6 - admittedLater);
    for (const answer of refused) {
      expect(answer.retryAfter).toBeGreaterThanOrEqual(1);
      expect(answer.body).toEqual({ error: expect.stringMatching(/^Too many failed sign-ins: try again in \d+ s$/), details: [expect.stringMatching(/^too many failed sign-ins to this account from this address; try again in \d+ s$/)] });
    }
    expect(JSON.stringify(refused)).not.toContain('wrong guess');

    // The real user, at another address, is not held up at all.
    expect((await signInFrom(server.url, '127.0.0.3', TEST_ADMIN)).status).toBe(200);

    // Each admitted failure doubles the wait before the next attempt.
    let n = 300;
    while (waitsStarted(answers).length < 3) {
      answers.push(await waitFor(async () => {
        const answer = await signInFrom(server.url, attacker, wrong(TEST_ADMIN.email, n++));
        return answer.status === 401 ? answer : null;
      }, { timeoutMs: 20_000, intervalMs: 100, what: 'the throttle to admit the next attempt' }));
      answers.push(await signInFrom(server.url, attacker, wrong(TEST_ADMIN.email, n++)));
    }
    const waits = waitsStarted(answers);
    console.log(`waits started by successive failures: ${waits.join(' s, ')} s`);
    expect(waits[0]).toBe(1);
    waits.slice(1).forEach((wait, i) => expect(wait).toBe(2 * waits[i]!));
    // Even the right password waits its turn at the attacker's address.
    expect((await signInFrom(server.url, attacker, TEST_ADMIN)).status).toBe(429);
  }, 60_000);

  it('starts counting again after a success', async () => {
    await newSignedInUser(admin, 'reset@example.com', 'reset');
    const user = { email: 'reset@example.com', password: strongPassword('reset') };
    const from = '127.0.0.4';
    for (let n = 0; n < 5; n += 1) expect((await signInFrom(server.url, from, wrong(user.email, n))).status).toBe(401);
    expect((await signInFrom(server.url, from, user)).status).toBe(200);
    // Six more failures are checked (five free, the sixth starts the first wait) …
    for (let n = 5; n < 11; n += 1) expect((await signInFrom(server.url, from, wrong(user.email, n))).status).toBe(401);
    // … and only then is the pair made to wait.
    const refused = await signInFrom(server.url, from, wrong(user.email, 11));
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe(1);
  });

  it('slows one address trying many accounts, and only that address', async () => {
    const from = '127.0.0.5';
    for (let n = 0; n <= 20; n += 1) expect((await signInFrom(server.url, from, wrong(`nobody-${n}@example.com`, n))).status).toBe(401);
    const refused = await signInFrom(server.url, from, wrong('nobody-21@example.com', 21));
    expect(refused.status).toBe(429);
    expect(refused.body.details).toEqual([expect.stringMatching(/^too many failed sign-ins from this address; try again in 1 s$/)]);
    expect((await signInFrom(server.url, '127.0.0.6', wrong('nobody-21@example.com', 21))).status).toBe(401);
  });

  it('slows an account attacked from many addresses only for addresses its user never signed in from', async () => {
    await newSignedInUser(admin, 'spread@example.com', 'spread');
    const user = { email: 'spread@example.com', password: strongPassword('spread') };
    const home = '127.0.0.20';
    expect((await signInFrom(server.url, home, user)).status).toBe(200);
    // One failure from each of 16 addresses: no address and no pair is over its limit.
    for (let n = 1; n <= 16; n += 1) expect((await signInFrom(server.url, `127.0.1.${n}`, wrong(user.email, n))).status).toBe(401);
    // The sixteenth started a 1 s wait for the account; new addresses keep trying until one gets in and doubles it.
    let n = 17;
    const refused = await waitFor(async () => {
      const answer = await signInFrom(server.url, `127.0.1.${n}`, wrong(user.email, n));
      n += 1;
      return answer.status === 429 && answer.retryAfter! >= 2 ? answer : null;
    }, { intervalMs: 100, what: 'an account-wide wait of 2 s' });
    expect(refused.body.details).toEqual([expect.stringMatching(/^too many failed sign-ins to this account; try again in 2 s$/)]);

    const fromNewPlace = await signInFrom(server.url, '127.0.2.1', user);
    expect(fromNewPlace.status).toBe(429);
    expect(fromNewPlace.body.details).toEqual([expect.stringMatching(/^too many failed sign-ins to this account; try again in [12] s$/)]);
    expect((await signInFrom(server.url, home, user)).status).toBe(200);
    // The account-wide wait is a slowdown, not a lock: the new place gets in once it is over.
    await waitFor(async () => (await signInFrom(server.url, '127.0.2.1', user)).status === 200, { intervalMs: 100, what: 'the account-wide wait to end' });
  });

  it('keys on the source address of the connection, ignoring X-Forwarded-For unless TRUST_PROXY is set', async () => {
    const from = '127.0.0.7';
    for (let n = 0; n < 6; n += 1) {
      const answer = await signInFrom(server.url, from, wrong(TEST_ADMIN.email, n), { 'x-forwarded-for': `203.0.113.${n}` });
      expect(answer.status).toBe(401);
    }
    expect((await signInFrom(server.url, from, wrong(TEST_ADMIN.email, 6), { 'x-forwarded-for': '203.0.113.99' })).status).toBe(429);

    const proxied = await startTestServer({ TRUST_PROXY: 'loopback' });
    try {
      const unknown = 'someone@example.com';
      for (let n = 0; n < 6; n += 1) expect((await signInFrom(proxied.url, from, wrong(unknown, n), { 'x-forwarded-for': '203.0.113.7' })).status).toBe(401);
      expect((await signInFrom(proxied.url, from, wrong(unknown, 6), { 'x-forwarded-for': '203.0.113.7' })).status).toBe(429);
      // The proxy's other client is someone else.
      expect((await signInFrom(proxied.url, from, wrong(unknown, 7), { 'x-forwarded-for': '203.0.113.8' })).status).toBe(401);
    } finally {
      await proxied.stop();
    }
  });
});
