// How the controller secures its connections to agents: mutual TLS from --ca/--cert/--key
// (or LVSCTL_CA/LVSCTL_CERT/LVSCTL_KEY), or plain TCP with --insecure for lab agents.
import { readTlsFiles, TlsFileError, type TlsFiles, type TlsMaterial } from '../../lvs/wire/tls-files';
import { CliError, EXIT } from '../exit-codes';

export type ClientTls =
  | { kind: 'mtls'; files: TlsFiles; material: TlsMaterial }
  | { kind: 'insecure' };

export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
}

const SOURCES = [
  { field: 'ca', flag: '--ca', env: 'LVSCTL_CA' },
  { field: 'cert', flag: '--cert', env: 'LVSCTL_CERT' },
  { field: 'key', flag: '--key', env: 'LVSCTL_KEY' },
] as const;

export function clientTlsFromOptions(opts: TlsOptions, env: NodeJS.ProcessEnv): ClientTls {
  if (opts.insecure) return { kind: 'insecure' };
  const chosen: Partial<TlsFiles> = {};
  const missing: string[] = [];
  for (const s of SOURCES) {
    const value = opts[s.field] ?? (env[s.env] || undefined);
    if (value) chosen[s.field] = value;
    else missing.push(`${s.flag} (or ${s.env})`);
  }
  if (missing.length > 0) {
    throw new CliError(
      `mutual TLS needs a CA, a certificate and a key; missing ${missing.join(', ')}. ` +
        'Make them with `lvsctl certs init DIR` and `lvsctl certs issue DIR NAME`, ' +
        'or pass --insecure to reach agents started with --insecure (labs only)',
      EXIT.invalid,
    );
  }
  const files = chosen as TlsFiles;
  try {
    return { kind: 'mtls', files, material: readTlsFiles(files) };
  } catch (err) {
    if (err instanceof TlsFileError) throw new CliError(err.message, EXIT.invalid);
    throw err;
  }
}
