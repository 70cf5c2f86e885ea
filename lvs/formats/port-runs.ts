// A list of ports as people read it: consecutive ports as one run, "8001-8010, 8080". The
// realserver's port-listening check names a service's ports this way in one line, however
// many destinations the host is in that service.

/** The ports, in the order given with repeats dropped, consecutive ones (each one more than the last) as `first-last`. */
export function portRuns(ports: readonly number[]): string {
  const runs: string[] = [];
  const seen = new Set<number>();
  let first: number | undefined;
  let last = 0;
  const close = (): void => {
    if (first !== undefined) runs.push(first === last ? String(first) : `${first}-${last}`);
  };
  for (const port of ports) {
    if (seen.has(port)) continue;
    seen.add(port);
    if (first !== undefined && port === last + 1) {
      last = port;
      continue;
    }
    close();
    first = port;
    last = port;
  }
  close();
  return runs.join(', ');
}
