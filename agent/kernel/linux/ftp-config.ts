// FTP server configuration files from disk, read through a bounded buffer.
import { open, stat } from 'node:fs/promises';
import type { FtpConfigEntry, FtpConfigFiles, FtpConfigRead } from '../ftp-config';

export class LinuxFtpConfigFiles implements FtpConfigFiles {
  async entryKind(path: string): Promise<FtpConfigEntry> {
    try {
      const s = await stat(path);
      return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
      throw e;
    }
  }

  async readText(path: string, maxBytes: number): Promise<FtpConfigRead> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      return { ok: false, reason: describeError(e) };
    }
    try {
      // One byte more than allowed tells a file of exactly maxBytes from a longer one.
      const buffer = Buffer.alloc(maxBytes + 1);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      const truncated = filled > maxBytes;
      return { ok: true, text: buffer.subarray(0, Math.min(filled, maxBytes)).toString('utf8'), truncated };
    } catch (e) {
      return { ok: false, reason: describeError(e) };
    } finally {
      await handle.close();
    }
  }
}

function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'the agent may not read it (permission denied)';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return err.message;
  }
}
