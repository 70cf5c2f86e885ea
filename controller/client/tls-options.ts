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
  /** the command has no --insecure (bootstrap): the missing-files message does not offer it */
  withoutInsecure?: boolean;
}

const SOURCES = [
  { field: 'ca', flag: '--ca', env: 'LVSCTL_CA' },
  { field: 'cert', flag: '--cert', env: 'LVSCTL_CERT' },
  { field: 'key', flag: '--key', env: 'LVSCTL_KEY' },
] as const;

export function clientTlsFromOptions(opts: TlsOptions, env: NodeJS.ProcessEnv): ClientTls {
  if (opts.insecure) {
    // flags given with --insecure would be dropped without a word (the environment's are a default, and stay quiet)
    const given = SOURCES.filter((s) => opts[s.field] !== undefined).map((s) => s.flag);
    if (given.length > 0) {
      throw new CliError(
        `--insecure and ${given.join(', ')} exclude each other: drop --insecure to use mutual TLS, or ${given.join(', ')} to reach agents started with --insecure (labs only)`,
        EXIT.invalid,
      );
    }
    return { kind: 'insecure' };
  }
  const chosen: Partial<TlsFiles> = {};
  const fromEnv = new Map<string, string>();
  const missing: string[] = [];
  for (const s of SOURCES) {
    const flagged = opts[s.field];
    const value = flagged ?? (env[s.env] || undefined);
    if (value) chosen[s.field] = value;
    else missing.push(`${s.flag} (or ${s.env})`);
    if (flagged === undefined && value) fromEnv.set(value, s.env);
  }
  if (missing.length > 0) {
    throw new CliError(
      `mutual TLS needs a CA, a certificate and a key; missing ${missing.join(', ')}. ` +
        'Make them with `lvsctl certs init DIR` and `lvsctl certs issue DIR NAME`, ' +
        (opts.withoutInsecure
          ? 'e.g. `lvsctl certs issue DIR controller` for --cert DIR/controller.crt --key DIR/controller.key (bootstrap asks each agent Hello over mutual TLS)'
          : 'or pass --insecure to reach agents started with --insecure (labs only)'),
      EXIT.invalid,
    );
  }
  const files = chosen as TlsFiles;
  try {
    return { kind: 'mtls', files, material: readTlsFiles(files) };
  } catch (err) {
    // a file named by the environment says so: the operator may not know the variable is set
    if (err instanceof TlsFileError) throw new CliError(fromEnv.has(err.file) ? `${err.message} (from ${fromEnv.get(err.file)})` : err.message, EXIT.invalid);
    throw err;
  }
}
