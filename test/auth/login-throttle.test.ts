import { FairQueue } from '../../src/auth/fair-queue';
import { LoginThrottle } from '../../src/auth/login-throttle';
import { addressKey } from '../../src/auth/source-address';
import { TooManyRequestsError } from '../../src/errors/app-error';

describe('source addresses', () => {
  it('counts IPv4 by address and IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

/** A promise resolved by hand. */
function opened(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('password checks in turn by address', () => {
  it('runs at most `concurrency` at once, and serves every waiting address before an address again', async () => {
    const queue = new FairQueue(1, 10);
    const order: string[] = [];
    const gate = opened();
    const first = queue.run('a', () => gate.promise);
    const rest = ['a1', 'a2', 'a3', 'b1', 'c1'].map((name) => queue.run(name[0]!, async () => void order.push(name)));
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'a3']);
  });

  it('lets a task marked ahead go before every waiting address', async () => {
    const queue = new FairQueue(1, 10);
    const order: string[] = [];
    const gate = opened();
    const first = queue.run('a', () => gate.promise);
    const rest = [queue.run('a', async () => void order.push('a1')), queue.run('b', async () => void order.push('b1')), queue.run('c', async () => void order.push('known'), true)];
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(order).toEqual(['known', 'a1', 'b1']);
  });

  it('refuses an address with too many checks waiting (429), not the others', async () => {
    const queue = new FairQueue(1, 2);
    const gate = opened();
    const running = queue.run('a', () => gate.promise);
    const waiting = [queue.run('a', async () => 1), queue.run('a', async () => 2)];
    await expect(queue.run('a', async () => 3)).rejects.toBeInstanceOf(TooManyRequestsError);
    const other = queue.run('b', async () => 4);
    gate.resolve();
    await running;
    expect(await Promise.all([...waiting, other])).toEqual([1, 2, 4]);
  });
});

describe('login throttle', () => {
  const fails = async () => false;
  const succeeds = async () => true;
  const matched = (outcome: boolean) => outcome;

  it('refuses before checking: a refused attempt never runs the check', async () => {
    const throttle = new LoginThrottle({ pairFreeFailures: 2 });
    const attempt = { account: 'a@example.com', address: '203.0.113.1' };
    for (let i = 0; i < 3; i += 1) expect(await throttle.attempt(attempt, fails, matched)).toBe(false);
    let checked = false;
    const refused = throttle.attempt(attempt, async () => (checked = true), matched);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 1, details: ['too many failed sign-ins to this account from this address; try again in 1 s'] });
    expect(checked).toBe(false);
  });

  it('counts concurrent attempts as they start, so a burst cannot all slip in', async () => {
    const throttle = new LoginThrottle({ pairFreeFailures: 3 });
    const attempt = { account: 'a@example.com', address: '203.0.113.2' };
    let checks = 0;
    const slowFail = () => {
      checks += 1;
      return new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20));
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => throttle.attempt(attempt, slowFail, matched)));
    // Three free, and the fourth starts the first wait.
    expect(checks).toBe(4);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(46);
  });

  it('clears the pair on a success', async () => {
    const throttle = new LoginThrottle({ pairFreeFailures: 1 });
    const attempt = { account: 'a@example.com', address: '203.0.113.3' };
    expect(await throttle.attempt(attempt, fails, matched)).toBe(false);
    expect(await throttle.attempt(attempt, succeeds, matched)).toBe(true);
    // One free failure again, a second that starts the wait, then a refusal.
    expect(await throttle.attempt(attempt, fails, matched)).toBe(false);
    expect(await throttle.attempt(attempt, fails, matched)).toBe(false);
    await expect(throttle.attempt(attempt, fails, matched)).rejects.toBeInstanceOf(TooManyRequestsError);
  });
});
