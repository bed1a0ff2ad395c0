import { RevocationWatch } from '../../src/auth/revocation-watch';

describe('revocation watch', () => {
  /** A store read the test answers by hand. */
  function store() {
    const pending: Array<(value: number) => void> = [];
    return { reads: pending, read: () => new Promise<number>((resolve) => pending.push(resolve)) };
  }

  it('reads once for any number of questions, then answers from memory while fresh', async () => {
    const { reads, read } = store();
    const watch = new RevocationWatch(read, 60_000);
    const answers = Promise.all([watch.latest(), watch.latest(), watch.latest()]);
    expect(reads).toHaveLength(1);
    reads[0]!(7);
    expect(await answers).toEqual([7, 7, 7]);
    expect(watch.latest()).toBe(7);
    expect(reads).toHaveLength(1);
  });

  it('reads again once the value is older than its age limit', async () => {
    let value = 1;
    let count = 0;
    const watch = new RevocationWatch(async () => (count++, value), 0);
    expect(await watch.latest()).toBe(1);
    value = 2;
    expect(await watch.latest()).toBe(2);
    expect(count).toBe(2);
  });

  it('after a revocation in this process reads again, and does not keep a read that began before it', async () => {
    const { reads, read } = store();
    const watch = new RevocationWatch(read, 60_000);
    const before = watch.latest();
    watch.invalidate();
    const after = watch.latest();
    expect(reads).toHaveLength(2);
    reads[0]!(3);
    expect(await before).toBe(3);
    reads[1]!(4);
    expect(await after).toBe(4);
    expect(watch.latest()).toBe(4);
    watch.invalidate();
    void watch.latest();
    expect(reads).toHaveLength(3);
  });
});
