// What `ipvsadm -R` says when the kernel refuses lines of a batch. It goes on past a refused
// line, printing libipvs's words for it alone ("Service already exists", "Destination already
// exists", "No such service"): no line number, no service, so a refusal cannot be traced to
// its operation as the netlink backend's can (ipvs-netlink-errors.ts). Its exit status is the
// last line's.

export class IpvsadmBatchError extends Error {
  /** the refusals as ipvsadm printed them, one per line */
  readonly lines: readonly string[];

  constructor(stderr: string, message = `ipvsadm -R refused part of the batch: ${stderr.trim()}`) {
    super(message);
    this.name = 'IpvsadmBatchError';
    this.lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  }

  /** some add-service was refused because the service exists (which one, ipvsadm does not say) */
  refusedExistingService(): boolean {
    return this.existingServiceRefusals() > 0;
  }

  /** how many add-service lines were refused so: one line each */
  existingServiceRefusals(): number {
    return this.lines.filter((l) => /Service already exists/i.test(l)).length;
  }

  /** some add-destination was refused because the destination exists */
  refusedExistingDestination(): boolean {
    return this.lines.some((l) => /Destination already exists/i.test(l));
  }
}
