// The serial numbers of revoked client certificates (from --crl), checked on every call:
// the TLS handshake refuses a revoked certificate already, and this catches a connection
// opened before the CRL that revoked it was loaded (SIGHUP).
export function normalizeSerial(hex: string): string {
  const digits = hex.replace(/[:\s]/g, '').toUpperCase().replace(/^0+/, '');
  return digits === '' ? '0' : digits;
}

export class Revocations {
  private serials: ReadonlySet<string> = new Set();

  /** the whole list, replaced at once (a reload) */
  replace(serials: Iterable<string>): void {
    this.serials = new Set([...serials].map(normalizeSerial));
  }

  has(serial: string | undefined): boolean {
    return serial !== undefined && this.serials.has(normalizeSerial(serial));
  }

  get size(): number {
    return this.serials.size;
  }
}
