// What a director needs before it can touch the kernel, as the applier asks it: every unmet
// precondition with its fix. The Linux checks are in linux/preconditions.ts.
export interface PreconditionProblem {
  /** what is missing, e.g. "ipvsadm" */
  subject: string;
  message: string;
  /** the command or change that fixes it */
  fix: string;
}

export interface DirectorPreconditions {
  /** Every unmet precondition; empty when the director can apply. */
  check(): Promise<PreconditionProblem[]>;
}
