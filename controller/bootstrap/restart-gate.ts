// Bootstrap copies files to many hosts at once, but restarts their agents one at a time, and
// restarts none after one that failed: a bad build or a flag the new agent refuses then stops
// one agent (the first), not every director and realserver of the site in one run. A host
// held back keeps its agent running on the old files; the next bootstrap restarts it.

export class RestartHeld extends Error {}

export class RestartGate {
  private queue: Promise<void> = Promise.resolve();
  private failed: { host: string; step: string } | undefined;

  /**
   * Runs `restart` (the restart and the Hello after it) when no other host's is running, or
   * throws RestartHeld when an earlier host's failed. `restart` rejecting marks the failure,
   * at the step `stepOf` names; undefined for a failure that says nothing of the new agent
   * (the host's own deadline passed while it waited for its turn).
   */
  run<T>(host: string, restart: () => Promise<T>, stepOf: (error: unknown) => string | undefined): Promise<T> {
    const turn = this.queue.then(async () => {
      if (this.failed) {
        throw new RestartHeld(`not restarted: the agent of ${this.failed.host} failed after its restart (step ${this.failed.step}), so bootstrap restarts no other; this host's new files are in place and its agent runs on the old ones until then. Fix ${this.failed.host} and run bootstrap again`);
      }
      try {
        return await restart();
      } catch (error) {
        const step = stepOf(error);
        if (step !== undefined) this.failed = { host, step };
        throw error;
      }
    });
    this.queue = turn.then(() => undefined, () => undefined);
    return turn;
  }
}
