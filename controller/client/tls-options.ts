// How the controller secures its connections to agents: mutual TLS from --ca/--cert/--key
// (or LVSCTL_CA/LVSCTL_CERT/LVSCTL_KEY), or plain TCP with --insecure for lab agents. The
// agents' certificates are checked against the CA's revocation list too: --crl (LVSCTL_CRL),
// else the crl.pem beside the CA file (`lvsctl certs init` writes it, `certs revoke` fills it).
import { existsSync } from 'fs';
import { dirname, join } from 'path';
import { createSecureContext } from 'tls';
import { MAKE_CRL, readCrlPem } from '../../lvs/wire/crl-pem';
import { readTlsFiles, TlsFileError, type TlsFiles, type TlsMaterial } from '../../lvs/wire/tls-files';
import { EXIT, OptionError } from '../exit-codes';

export type ClientTls =
  /** crlFile: the CRL in material.crl, when there is one */
  | { kind: 'mtls'; files: TlsFiles; material: TlsMaterial; crlFile?: string }
  | { kind: 'insecure' };

export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  /** the CA's revocation list; default: crl.pem beside the CA file, when there is one */
  crl?: string;
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
    // commander hands LVSCTL_* values in as the options' own: a value equal to the
    // environment's is taken as coming from it (a flag repeating it changes nothing anyway)
    const flagged = (value: string | undefined, name: string): boolean => value !== undefined && value !== env[name];
    const given = [...SOURCES.filter((s) => flagged(opts[s.field], s.env)).map((s) => s.flag), ...(flagged(opts.crl, 'LVSCTL_CRL') ? ['--crl'] : [])];
    if (given.length > 0) {
      throw new OptionError(
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
    throw new OptionError(
      `mutual TLS needs a CA, a certificate and a key; missing ${missing.join(', ')}. ` +
        'Make them with `lvsctl certs init DIR` and `lvsctl certs issue DIR NAME`, ' +
        (opts.withoutInsecure
          ? 'e.g. `lvsctl certs issue DIR controller` for --cert DIR/controller.crt --key DIR/controller.key (bootstrap asks each agent Hello over mutual TLS)'
          : 'or pass --insecure to reach agents started with --insecure (labs only)'),
      EXIT.invalid,
    );
  }
  const files = chosen as TlsFiles;
  const crlFlagged = opts.crl ?? (env.LVSCTL_CRL || undefined);
  if (opts.crl === undefined && crlFlagged !== undefined) fromEnv.set(crlFlagged, 'LVSCTL_CRL');
  try {
    const material = readTlsFiles(files);
    const beside = join(dirname(files.ca), CRL_BESIDE_CA);
    const crlFile = crlFlagged ?? (existsSync(beside) ? beside : undefined);
    if (crlFile === undefined) return { kind: 'mtls', files, material };
    return { kind: 'mtls', files, material: { ...material, crl: readCrl(crlFile) }, crlFile };
  } catch (err) {
    // a file named by the environment says so: the operator may not know the variable is set
    if (err instanceof TlsFileError) throw new OptionError(fromEnv.has(err.file) ? `${err.message} (from ${fromEnv.get(err.file)})` : err.message, EXIT.invalid);
    throw err;
  }
}

/** What `lvsctl certs init DIR` names the CA's revocation list, beside DIR/ca.crt. */
export const CRL_BESIDE_CA = 'crl.pem';

/**
 * The CRL as OpenSSL will read it. Its signature and dates are OpenSSL's to check at each
 * handshake (a wrong one then fails that agent naming the file): parsing it here would load
 * an X.509 library into every command's start.
 */
function readCrl(file: string): Buffer {
  const pem = readCrlPem(file);
  try {
    createSecureContext({ crl: pem });
  } catch {
    throw new TlsFileError(file, 'is not a readable certificate revocation list', MAKE_CRL);
  }
  return pem;
}
