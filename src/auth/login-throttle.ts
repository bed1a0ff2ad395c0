import { availableParallelism } from 'node:os';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../errors/app-error';
import { FairQueue } from './fair-queue';
import { addressKey } from './source-address';

export interface LoginThrottleSettings {
  /** Consecutive failures of one account from one address before each further attempt must wait. */
  pairFreeFailures: number;
  /** Failures from one address, any accounts, within `addressWindowSeconds` before it must wait. */
  addressFreeFailures: number;
  addressWindowSeconds: number;
  /** Failures of one account from every address within `accountWindowSeconds` before addresses new to it must wait. */
  accountFreeFailures: number;
  accountWindowSeconds: number;
  /** The first wait; each further failure doubles it, up to the maxima. */
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  /** Kept short: this wait is shared by everyone signing in to the account from a new address. */
  maxAccountDelaySeconds: number;
  /** How long an address a user signed in from stays exempt from the account-wide wait. */
  knownAddressSeconds: number;
  /** Password checks (scrypt) run at once; more wait their turn, taken in turn by address. */
  concurrentChecks: number;
  /** Checks one address may have waiting before it is refused at once. */
  waitingChecksPerAddress: number;
}

const DAY = 24 * 60 * 60;

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleSettings = {
  pairFreeFailures: 5,
  addressFreeFailures: 100,
  addressWindowSeconds: 60 * 60,
  accountFreeFailures: 100,
  accountWindowSeconds: 15 * 60,
  firstDelaySeconds: 1,
  maxDelaySeconds: 15 * 60,
  maxAccountDelaySeconds: 60,
  // rate-limiter-flexible expires keys with setTimeout, which cannot wait longer than 24.8 days.
  knownAddressSeconds: 20 * DAY,
  concurrentChecks: Math.max(1, Math.min(4, availableParallelism())),
  waitingChecksPerAddress: 8,
};

export interface LoginAttempt {
  /** The email as typed (trimmed, lowercased): unknown accounts are throttled exactly like real ones. */
  account: string;
  /** The request's source address (see source-address.ts). */
  address: string;
}

/**
 * Brute-force defence of `POST /auth/login`, after rate-limiter-flexible's "login endpoint protection"
 * recipe, with growing waits instead of fixed blocks:
 *
 * - per account and address, strictly: after 5 consecutive failures each attempt must wait 1 s, 2 s,
 *   4 s, … (up to 15 min) after the previous failure; a success clears it. This is what stops guessing one
 *   password from one place, and it cannot touch the real user at any other address;
 * - per address, broadly: 100 failures an hour, any accounts, then the same growing waits. This stops
 *   one address from trying many accounts (or many passwords as many "accounts");
 * - per account from every address, generously and only slowing: after 100 failures in 15 minutes
 *   attempts wait at most a minute, and never from an address the user signed in from before. An
 *   account-wide lock would let anyone lock any user out by guessing wrong on purpose; this only
 *   slows an attack spread over many addresses, and the user's usual places are not slowed at all.
 *
 * Attempts are refused (429 with Retry-After) before the password is checked, so a refused attempt
 * costs no scrypt time. An attempt counts as a failure as soon as it is admitted (a success takes it
 * back), so a burst of concurrent attempts cannot all slip in before the first one fails. State is in
 * this process's memory: each instance of a multi-instance deployment keeps its own counts.
 */
export class LoginThrottle {
  private readonly settings: LoginThrottleSettings;
  private readonly pair: GrowingWait;
  private readonly address: GrowingWait;
  private readonly account: GrowingWait;
  private readonly knownAddresses: RateLimiterMemory;
  private readonly checks: FairQueue;
  private admissions: Promise<unknown> = Promise.resolve();

  constructor(settings: Partial<LoginThrottleSettings> = {}) {
    const s = (this.settings = { ...DEFAULT_LOGIN_THROTTLE, ...settings });
    this.pair = new GrowingWait('pair', s.pairFreeFailures, DAY, s.firstDelaySeconds, s.maxDelaySeconds);
    this.address = new GrowingWait('address', s.addressFreeFailures, s.addressWindowSeconds, s.firstDelaySeconds, s.maxDelaySeconds);
    this.account = new GrowingWait('account', s.accountFreeFailures, s.accountWindowSeconds, s.firstDelaySeconds, s.maxAccountDelaySeconds);
    this.knownAddresses = new RateLimiterMemory({ keyPrefix: 'known', points: 1, duration: s.knownAddressSeconds });
    this.checks = new FairQueue(s.concurrentChecks, s.waitingChecksPerAddress);
  }

  /**
   * Runs `check` (the password check) unless the attempt must wait (429), and records its outcome:
   * a success when `succeeded` says so.
   */
  async attempt<T>(attempt: LoginAttempt, check: () => Promise<T>, succeeded: (outcome: T) => boolean): Promise<T> {
    const address = addressKey(attempt.address);
    const pairKey = `${attempt.account}\n${address}`;
    // One admission at a time: each sees the counts and waits of every attempt admitted before it.
    const admitted = this.admissions.then(() => this.admit(attempt.account, address, pairKey));
    this.admissions = admitted.catch(() => undefined);
    const { known, waits } = await admitted;

    // A user at a place they signed in from before goes ahead of any flood of checks.
    const outcome = await this.checks.run(address, check, known);
    if (succeeded(outcome)) {
      await this.pair.forget(pairKey);
      await this.address.takeBack(address);
      await this.account.takeBack(attempt.account);
      await this.knownAddresses.set(pairKey, 1, this.settings.knownAddressSeconds);
    } else {
      // The waits this attempt started run from its failure, however long the check took.
      await this.pair.wait(pairKey, waits.pair);
      await this.address.wait(address, waits.address);
      await this.account.wait(attempt.account, waits.account);
    }
    return outcome;
  }

  /** Refuses the attempt (429) while any of its waits lasts; otherwise counts it as a failure. */
  private async admit(account: string, address: string, pairKey: string): Promise<{ known: boolean; waits: { pair: number; address: number; account: number } }> {
    const known = (await this.knownAddresses.get(pairKey)) !== null;
    const waits = [
      { seconds: await this.pair.waitSeconds(pairKey), why: 'too many failed sign-ins to this account from this address' },
      { seconds: await this.address.waitSeconds(address), why: 'too many failed sign-ins from this address' },
      { seconds: known ? 0 : await this.account.waitSeconds(account), why: 'too many failed sign-ins to this account' },
    ].filter((wait) => wait.seconds > 0);
    if (waits.length > 0) {
      const seconds = Math.max(...waits.map((wait) => wait.seconds));
      throw new TooManyRequestsError(`Too many failed sign-ins: try again in ${seconds} s`, seconds, waits.map((wait) => `${wait.why}; try again in ${wait.seconds} s`));
    }
    const pair = await this.pair.admit(pairKey);
    const byAddress = await this.address.admit(address);
    if (known) await this.account.count(account);
    const byAccount = known ? 0 : await this.account.admit(account);
    return { known, waits: { pair, address: byAddress, account: byAccount } };
  }
}

/**
 * Failures counted per key over a window; past the free ones, each admitted attempt makes the next
 * one wait twice as long as the last. rate-limiter-flexible keeps both: the count, and the wait as a
 * block on a second limiter (a block resets a limiter's count, hence two).
 */
class GrowingWait {
  private readonly failures: RateLimiterMemory;
  private readonly waits: RateLimiterMemory;

  constructor(
    name: string,
    private readonly free: number,
    windowSeconds: number,
    private readonly firstDelaySeconds: number,
    private readonly maxDelaySeconds: number,
  ) {
    this.failures = new RateLimiterMemory({ keyPrefix: `${name}-failures`, points: free, duration: windowSeconds });
    this.waits = new RateLimiterMemory({ keyPrefix: `${name}-wait`, points: 1, duration: 1 });
  }

  /** Whole seconds before the key's next attempt may go ahead; 0: now. */
  async waitSeconds(key: string): Promise<number> {
    const wait = await this.waits.get(key);
    if (wait === null || wait.consumedPoints <= 1 || wait.msBeforeNext <= 0) return 0;
    return Math.ceil(wait.msBeforeNext / 1000);
  }

  /**
   * Counts the attempt as a failure and, past the free ones, starts the next attempt's wait at once
   * (so concurrent attempts meet it); returns its length in seconds, 0 for none.
   */
  async admit(key: string): Promise<number> {
    const over = (await this.count(key)) - this.free;
    if (over <= 0) return 0;
    const seconds = Math.min(this.firstDelaySeconds * 2 ** (over - 1), this.maxDelaySeconds);
    await this.wait(key, seconds);
    return seconds;
  }

  /** The key's next attempt waits `seconds` from now (none for 0). */
  async wait(key: string, seconds: number): Promise<void> {
    if (seconds > 0) await this.waits.block(key, seconds);
  }

  /** Counts the attempt as a failure without making anyone wait; returns the failures in the window. */
  async count(key: string): Promise<number> {
    return (await this.failures.penalty(key)).consumedPoints;
  }

  /** A success: this attempt was not a failure after all. */
  async takeBack(key: string): Promise<void> {
    const counted = await this.failures.get(key);
    if (counted !== null && counted.consumedPoints > 0) await this.failures.reward(key);
  }

  /** A success ends the run of consecutive failures, and any wait. */
  async forget(key: string): Promise<void> {
    await this.failures.delete(key);
    await this.waits.delete(key);
  }
}
