// What bootstrap must do on one host, from what the probe found (pure): copy each file whose
// checksum or mode differs, reload systemd when the unit changed, enable the service when it
// is not, and start it when it is not running. A running agent whose only changed files are
// its TLS files (CA, certificate, key, CRL) reloads them (SIGHUP, the unit's ExecReload),
// keeping its connections and state; anything else it reads changed, it is restarted.
import type { RemoteFile } from './remote-files';
import type { ProbeResult } from './remote-shell';

export type HostStep =
  | { kind: 'copy'; file: RemoteFile; why: 'new' | 'changed' | 'mode' }
  | { kind: 'daemon-reload' }
  | { kind: 'enable' }
  | { kind: 'start' }
  | { kind: 'reload' }
  | { kind: 'restart' };

/** The files a running agent reads again on SIGHUP (agent/server/transport/tls-reloader.ts). */
const RELOADED_LABELS: ReadonlySet<string> = new Set(['ca', 'certificate', 'key', 'crl']);

/** The service runs (or is on its way to): systemctl's is-active says so. */
export function serviceRunning(probe: Pick<ProbeResult, 'active'>): boolean {
  return probe.active === 'active' || probe.active === 'activating' || probe.active === 'reloading';
}

/** Whether `systemctl reload` means something for the unit: it has an ExecReload= line. */
export function unitReloads(unitText: string): boolean {
  return /^\s*ExecReload\s*=\s*\S/m.test(unitText);
}

export function stepName(step: HostStep): string {
  return step.kind === 'copy' ? `copy ${step.file.label} ${step.file.path}` : `systemctl ${step.kind}`;
}

export function stepDetail(step: HostStep): string {
  if (step.kind !== 'copy') return stepName(step);
  const why = step.why === 'new' ? 'missing' : step.why === 'mode' ? `mode to ${step.file.mode}` : 'checksum differs';
  return `${stepName(step)} (${why})`;
}

export function planHostSteps(files: readonly RemoteFile[], probe: ProbeResult, options: { reloads: boolean }): HostStep[] {
  const steps: HostStep[] = [];
  for (const file of files) {
    const there = probe.files.get(file.path);
    if (!there) steps.push({ kind: 'copy', file, why: 'new' });
    else if (there.sha256 !== file.sha256) steps.push({ kind: 'copy', file, why: 'changed' });
    else if (there.mode !== file.mode) steps.push({ kind: 'copy', file, why: 'mode' });
  }
  const copied = steps.length > 0;
  if (steps.some((s) => s.kind === 'copy' && s.file.label === 'unit')) steps.push({ kind: 'daemon-reload' });
  if (probe.enabled !== 'enabled') steps.push({ kind: 'enable' });
  const running = serviceRunning(probe);
  const onlyTls = steps.every((s) => s.kind !== 'copy' || RELOADED_LABELS.has(s.file.label));
  if (!running) steps.push({ kind: 'start' });
  else if (copied) steps.push({ kind: onlyTls && options.reloads ? 'reload' : 'restart' });
  return steps;
}
