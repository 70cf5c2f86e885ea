// A list of ports as people read it: consecutive ports as one run, "8001-8010, 8080". The
// realserver's port-listening check names a service's ports this way in one line, however
// many destinations the host is in that service.

/** The ports in their order, each once: the same array when it has no repeat (the common case). */
export function withoutRepeats(ports: readonly number[]): readonly number[] {
  // a few ports, most often: looked back along the array, no set made; a long list: a set
  if (ports.length > 16) return new Set(ports).size === ports.length ? ports : [...new Set(ports)];
  for (let i = 1; i < ports.length; i += 1) if (ports.indexOf(ports[i]) < i) return [...new Set(ports)];
  return ports;
}

/** The ports, in the order given with repeats dropped, consecutive ones (each one more than the last) as `first-last`. */
export function portRuns(ports: readonly number[]): string {
  const runs: string[] = [];
  let first: number | undefined;
  let last = 0;
  for (const port of withoutRepeats(ports)) {
    if (first !== undefined && port === last + 1) {
      last = port;
      continue;
    }
    if (first !== undefined) runs.push(first === last ? String(first) : `${first}-${last}`);
    first = port;
    last = port;
  }
  if (first !== undefined) runs.push(first === last ? String(first) : `${first}-${last}`);
  return runs.join(', ');
}
