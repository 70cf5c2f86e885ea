// Reading an FTP server's configuration, which is untrusted input: reads are bounded.

export type FtpConfigEntry = 'file' | 'directory' | 'missing' | 'other';

export type FtpConfigRead =
  | { ok: true; text: string; truncated: boolean }
  | { ok: false; reason: string };

export interface FtpConfigFiles {
  /** What is at an absolute path (following symlinks). */
  entryKind(path: string): Promise<FtpConfigEntry>;
  /** At most maxBytes of a file as UTF-8; never throws: a failure is a reason. */
  readText(path: string, maxBytes: number): Promise<FtpConfigRead>;
}

/** 1 MiB: far above any real FTP server configuration. */
export const FTP_CONFIG_MAX_BYTES = 1024 * 1024;
