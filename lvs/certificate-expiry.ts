// How close to its end a certificate is worth a warning: the agent's own (its log, at start and
// at each reload) and, on the controller, its own and every agent's it connects to (stderr).
// Certificates from `lvsctl certs issue` last 825 days and are usually issued together, so
// they end on the same day; after it, agents refuse to start and every handshake fails.

/** A certificate with fewer days left than this is warned about. */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 86_400_000;

/** Whole days until notAfter (negative once past it). */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

export function expiresSoon(notAfter: Date, now: Date): boolean {
  return daysLeft(notAfter, now) < EXPIRY_WARNING_DAYS;
}

/** "on 2026-12-20 (in 13 days)": the day in UTC, as the certificate states it. */
export function expiryText(notAfter: Date, now: Date): string {
  const days = daysLeft(notAfter, now);
  return `on ${notAfter.toISOString().slice(0, 10)} (${days === 0 ? 'within a day' : `in ${days} day${days === 1 ? '' : 's'}`})`;
}
