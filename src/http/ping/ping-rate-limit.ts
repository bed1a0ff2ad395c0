import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Pings a minute per ping URL (the UUID, or the ping key and slug), in this process's memory like the
 * sign-in throttle. Counted before the URL is looked up, so guessing URLs costs no store reads beyond
 * the limit either. Several instances each keep their own counts.
 */
export class PingRateLimit {
  private readonly limiter: RateLimiterMemory;

  constructor(perMinute: number) {
    this.limiter = new RateLimiterMemory({ keyPrefix: 'ping', points: perMinute, duration: 60 });
  }

  /** null: go ahead; else the seconds to wait (Retry-After). */
  async take(key: string): Promise<number | null> {
    try {
      await this.limiter.consume(key);
      return null;
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      throw refusal;
    }
  }
}
