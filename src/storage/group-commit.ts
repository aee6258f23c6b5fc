/**
 * Group commit: concurrent writes of one kind are queued and written together, one transaction
 * (and on SQLite one WAL commit, on PostgreSQL one fsync) for all of them, while the next group
 * gathers behind it. The batch is all or nothing: when it fails, no member of it has been
 * reported written, and each member is then written on its own, so one bad request fails alone
 * with its own error and its neighbours' guarantees do not change.
 */
export class GroupCommit<Item, Result> {
  private pending: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  /**
   * @param write writes every item in one transaction and returns their results in order, or
   *   throws having written nothing.
   * @param maxBatch bounds a statement's parameter count and how long the shared lock is held.
   * @param maxInFlight how many groups `write` may be given at once. With 1, a group gathers while
   *   the previous one is written; with more (PostgreSQL, each group on a connection of its own;
   *   SQLite's writer thread, one group committing and the next queued behind it), a group is also
   *   started while others are still committing, and `write` orders them. A function is asked each
   *   time a group could start (SQLite has room for two only while its writer thread runs).
   * @param retryAlone whether a failed group's members are written again one at a time. Not when
   *   the error leaves unknown whether the group committed (SQLite's writer thread died with it):
   *   written again, a member that did commit would fail as a conflict, or commit twice.
   * @param minSplit the fewest items a group takes when pending work is shared among free slots.
   *   Shared down to ones and twos, requests answered together come back at different turns and
   *   stay apart: SQLite's writer thread, measured with 8 in flight, went from groups of 8 to 2-4
   *   and paid a commit per 3 issuances instead of per 8.
   */
  constructor(
    private readonly write: (items: Item[]) => Promise<Result[]>,
    private readonly maxBatch = 64,
    maxInFlight: number | (() => number) = 1,
    private readonly retryAlone: (error: unknown) => boolean = () => true,
    private readonly minSplit = 1,
  ) {
    this.maxInFlight = typeof maxInFlight === 'number' ? () => maxInFlight : maxInFlight;
  }

  private readonly maxInFlight: () => number;

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled && this.inFlight < this.maxInFlight()) {
        this.scheduled = true;
        // setImmediate rather than a microtask: requests whose signatures complete in the same
        // turn of the event loop join this group instead of waiting for the next.
        setImmediate(() => {
          this.scheduled = false;
          this.start();
        });
      }
    });
  }

  private start(): void {
    // With room for several groups, what is pending is shared out among them: requests that
    // arrive together would otherwise all wait for one commit, nothing left to sign meanwhile.
    // Split, the first group's requests sign their next credentials while the second commits.
    const maxInFlight = this.maxInFlight();
    const size = Math.min(this.maxBatch, Math.max(this.minSplit, Math.ceil(this.pending.length / Math.max(1, maxInFlight - this.inFlight))));
    while (this.pending.length > 0 && this.inFlight < maxInFlight) {
      const group = this.pending.splice(0, size);
      this.inFlight++;
      void this.writeGroup(group).finally(() => {
        this.inFlight--;
        // What gathered meanwhile goes at once: it has waited a whole group already.
        this.start();
      });
    }
  }

  private async writeGroup(group: typeof this.pending): Promise<void> {
    let results: Result[] | undefined;
    try {
      results = await this.write(group.map((g) => g.item));
    } catch (error) {
      if (group.length === 1 || !this.retryAlone(error)) {
        for (const g of group) g.reject(error);
        return;
      }
    }
    if (results !== undefined) {
      group.forEach((g, i) => g.resolve(results[i]!));
    } else if (group.length > 1) {
      // Nothing of the group was written: each member again on its own, in order.
      for (const g of group) {
        try {
          const [result] = await this.write([g.item]);
          g.resolve(result!);
        } catch (error) {
          g.reject(error);
        }
      }
    }
  }
}
