// The director's preconditions (root, ipvsadm, IPVS, an iptables backend) cost processes to
// check, and they rarely change: checked at start, then again only after an apply failed
// (it may have failed on one). A failing check is never cached.
import type { DirectorPreconditions, PreconditionProblem } from './preconditions';

export class CachedPreconditions implements DirectorPreconditions {
  private passed = false;

  constructor(private readonly inner: DirectorPreconditions) {}

  async check(): Promise<PreconditionProblem[]> {
    if (this.passed) return [];
    const problems = await this.inner.check();
    this.passed = problems.length === 0;
    return problems;
  }

  /** The next check runs again. */
  forget(): void {
    this.passed = false;
  }
}
