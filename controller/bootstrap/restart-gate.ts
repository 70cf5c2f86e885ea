// Bootstrap copies files to many hosts at once, but restarts their agents one at a time, and
// restarts none after one that failed: a bad build or a flag the new agent refuses then stops
// one agent (the first), not every director and realserver of the site in one run. A host
// held back keeps its agent running on the old files; the next bootstrap restarts it.
// Directors go last: their restarts wait until every realserver host of the run is done, so a
// bad build stops a realserver's agent (its self-checks) before a director's (the health
// checks that steer traffic).

export class RestartHeld extends Error {}

export class RestartGate {
  private queue: Promise<void> = Promise.resolve();
  private failed: { host: string; step: string } | undefined;
  private realserversLeft: number;
  private readonly realserversDone: Promise<void>;
  private allRealserversDone: () => void = () => undefined;

  /** realservers: how many realserver hosts the run holds; hostDone() counts them down. */
  constructor(realservers = 0) {
    this.realserversLeft = realservers;
    this.realserversDone = realservers > 0 ? new Promise((resolve) => { this.allRealserversDone = resolve; }) : Promise.resolve();
  }

  /** A host of the run is done, whatever its outcome (restarted, failed, nothing to restart). */
  hostDone(role: 'director' | 'realserver'): void {
    if (role !== 'realserver' || this.realserversLeft === 0) return;
    this.realserversLeft -= 1;
    if (this.realserversLeft === 0) this.allRealserversDone();
  }

  /**
   * Runs `restart` (the restart and the Hello after it) when no other host's is running, or
   * throws RestartHeld when an earlier host's failed. `restart` rejecting marks the failure,
   * at the step `stepOf` names; undefined for a failure that says nothing of the new agent
   * (the host's own deadline passed while it waited for its turn).
   */
  async run<T>(host: string, role: 'director' | 'realserver', restart: () => Promise<T>, stepOf: (error: unknown) => string | undefined): Promise<T> {
    // a director joins the line once no realserver host is left to restart
    if (role === 'director') await this.realserversDone;
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
