// A reload of the TLS files (SIGHUP, systemd's ExecReload): read them all again, check them
// as at start, and only if everything is right hand them over; otherwise log why and keep
// serving with the previous ones. Reloads run one at a time.
import type { Logger } from 'winston';
import { errorMessage } from '../../../lvs/errors';
import { SerialQueue } from '../../../lvs/serial-queue';
import { describeIdentity, loadTlsIdentity, type AgentTlsFiles, type TlsIdentity } from './tls-identity';

export function tlsReloader(opts: {
  files: AgentTlsFiles;
  logger: Logger;
  /** puts the new identity to use: the listener's secure context, the revoked serials */
  apply(identity: TlsIdentity): void;
  now?: () => Date;
}): () => Promise<boolean> {
  const queue = new SerialQueue();
  return () => queue.run(async () => {
    let identity: TlsIdentity;
    try {
      identity = await loadTlsIdentity(opts.files, opts.now?.() ?? new Date());
      opts.apply(identity);
    } catch (err) {
      opts.logger.error('reload failed: still serving with the previous certificates', { error: errorMessage(err) });
      return false;
    }
    opts.logger.info('certificates reloaded', describeIdentity(identity));
    return true;
  });
}
