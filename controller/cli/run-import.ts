// What lvsctl import does (import.ts declares the command): reads a director's
// `ipvsadm -S -n` and `iptables-save -t mangle` output (files, or "-" for stdin) and
// prints an equivalent plan.json to start from; what is left to do goes to stderr.
import { parseMangleSave } from '../../lvs/formats/iptables-format';
import { readRule, splitWords } from '../../lvs/formats/iptables-rule';
import { parseIpvsSave } from '../../lvs/formats/ipvsadm-format';
import { TextFormatError } from '../../lvs/formats/text-format-error';
import type { IpvsService, MarkRule } from '../../lvs/model';
import { DEFAULT_IMPORT_CLUSTER } from '../import/defaults';
import { ImportError, importPlan } from '../import/import-plan';
import { parseDirectorAddresses, type DirectorAddress } from '../import/nat-gateway';
import { CliError, EXIT } from '../exit-codes';
import { importKeepalived, importLdirectord, type ConfigImportBase } from '../import/config-import';
import { diskConfigFiles } from '../import/keepalived/disk-files';
import { KeepalivedSyntaxError, type ConfigFiles } from '../import/keepalived/syntax';
import { KeepalivedImportError } from '../import/keepalived/virtual-servers';
import { LdirectordImportError } from '../import/ldirectord';
import { readBoundedFile, readBoundedText } from '../import/bounded-read';

export interface ImportCliOptions {
  ipvsadm?: string;
  iptables?: string;
  keepalived?: string;
  ldirectord?: string;
  /** ip6tables-save -t mangle output: the IPv6 mark rules */
  ip6tables?: string;
  cluster?: string;
  directorAddresses?: string;
}

export interface ImportIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** the text of a file, or of stdin for "-" */
  read: (source: string) => Promise<string>;
  /** keepalived.conf and the files it includes; absent = the disk */
  configFiles?: ConfigFiles;
  /** stdin is a terminal: reading it waits for the operator to type, so say so first */
  stdinIsTerminal?: boolean;
}

const STDIN = '-';

function shownName(source: string): string {
  return source === STDIN ? 'stdin' : source;
}

async function readSource(io: ImportIo, source: string): Promise<string> {
  if (source === STDIN && io.stdinIsTerminal) {
    io.err('lvsctl import: reading `ipvsadm -S -n` or `iptables-save -t mangle` output from the terminal: paste it and end with Ctrl-D, ' +
      'or give a file (--ipvsadm FILE, --iptables FILE, --keepalived FILE, --ldirectord FILE; see lvsctl import --help)\n');
  }
  try {
    return await io.read(source);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CliError(`cannot read ${shownName(source)}: ${why}`, EXIT.invalid);
  }
}

/** A bad line as quoted in its message: whole up to 200 characters, else its start and its length (not 50 MB of it on stderr; the reason, which may quote a word of it, is cut at 300). */
function shownLine(line: string): string {
  return line.length <= 200 ? JSON.stringify(line) : `${JSON.stringify(line.slice(0, 200))}… (${line.length} characters)`;
}

/** Runs a parser, turning a bad line into "FILE:LINE: reason: "line"". */
function parsing<T>(source: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof TextFormatError) {
      const reason = err.reason.length <= 300 ? err.reason : `${err.reason.slice(0, 300)}…`;
      throw new CliError(`${shownName(source)}:${err.lineNumber}: ${reason}: ${shownLine(err.line)}`, EXIT.invalid);
    }
    throw err;
  }
}

function readMarks(source: string, text: string): MarkRule[] {
  const state = parsing(source, () => parseMangleSave(text));
  const unreadable = [...state.unparsed, ...state.foreignUnparsed];
  if (unreadable.length > 0) {
    const lines = text.split('\n').map((l) => l.replace(/\r$/, '').trim());
    const [first] = unreadable;
    const words = splitWords(first.replace(/^\[\d+:\d+\]\s+/, '')) ?? [];
    const reading = readRule(words.slice(2));
    const why = reading.kind === 'unreadable-mark' ? `a MARK rule lvsctl cannot hold (${reading.reason})` : 'a rule lvsctl cannot hold';
    const more = unreadable.length > 1 ? ` (and ${unreadable.length - 1} more)` : '';
    throw new CliError(`${shownName(source)}:${lines.indexOf(first) + 1}: ${why}: ${JSON.stringify(first)}${more}`, EXIT.invalid);
  }
  return [...state.owned, ...state.foreign];
}

/** Without --ipvsadm or --iptables, stdin is read, and iptables-save output is told by its "*table" line. */
function looksLikeIptablesSave(text: string): boolean {
  return /^\*[a-z]+\s*$/m.test(text);
}

/**
 * stdin holding both dumps, as `(ipvsadm -S -n; iptables-save -t mangle) | lvsctl import`
 * gives them: iptables-save's lines (from a "*table" line to its COMMIT, and its "#" comments)
 * apart from the rest, ipvsadm's. Each keeps its line numbers (the other's lines are blank in
 * it), so an error still names the line of stdin.
 */
export function splitDumps(text: string): { ipvsadm: string; iptables: string } {
  const ipvsadm: string[] = [];
  const iptables: string[] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
    const bare = line.replace(/\r$/, '').trim();
    const isIptables = inTable || /^\*[a-z]+$/.test(bare) || bare.startsWith('#');
    if (/^\*[a-z]+$/.test(bare)) inTable = true;
    else if (bare === 'COMMIT') inTable = false;
    iptables.push(isIptables ? line : '');
    ipvsadm.push(isIptables ? '' : line);
  }
  return { ipvsadm: ipvsadm.join('\n'), iptables: iptables.join('\n') };
}

export async function runImport(options: ImportCliOptions, io: ImportIo): Promise<number> {
  const cluster = options.cluster ?? DEFAULT_IMPORT_CLUSTER;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(cluster) || cluster.length > 63) {
    throw new CliError(`--cluster "${cluster}" must match [a-z0-9][a-z0-9-]* (at most 63 characters), e.g. "shop"`, EXIT.invalid);
  }
  const tables = [options.ipvsadm && '--ipvsadm', options.keepalived && '--keepalived', options.ldirectord && '--ldirectord'].filter(Boolean);
  if (tables.length > 1) {
    throw new CliError(`${tables.join(' and ')} each describe the whole IPVS table: give one of them (--iptables may go with any)`, EXIT.invalid);
  }
  const stdinReaders = [options.ipvsadm, options.iptables, options.ip6tables, options.directorAddresses].filter((o) => o === STDIN).length;
  if (stdinReaders > 1) throw new CliError('only one of --ipvsadm, --iptables, --ip6tables and --director-addresses can read stdin ("-"); give the others files', EXIT.invalid);
  // Without --ipvsadm, --iptables or --ip6tables, stdin is read and told apart by its content.
  const configFile = options.keepalived !== undefined || options.ldirectord !== undefined;
  const implicitStdin = !configFile && options.ipvsadm === undefined && options.iptables === undefined && options.ip6tables === undefined;
  if (implicitStdin && stdinReaders > 0) throw new CliError('--director-addresses - reads stdin, so give --ipvsadm or --iptables a file', EXIT.invalid);
  let services: IpvsService[] = [];
  let marks: MarkRule[] = [];
  if (implicitStdin) {
    const text = await readSource(io, STDIN);
    if (looksLikeIptablesSave(text)) {
      // iptables-save output, alone or after (or before) ipvsadm -S -n's
      const { ipvsadm, iptables } = splitDumps(text);
      marks = readMarks(STDIN, iptables);
      if (ipvsadm.trim() !== '') services = parsing(STDIN, () => parseIpvsSave(ipvsadm));
    } else {
      services = parsing(STDIN, () => parseIpvsSave(text));
    }
  } else {
    if (options.ipvsadm !== undefined) {
      const source = options.ipvsadm;
      const text = await readSource(io, source);
      services = parsing(source, () => parseIpvsSave(text));
    }
    if (options.iptables !== undefined) marks = readMarks(options.iptables, await readSource(io, options.iptables));
    if (options.ip6tables !== undefined) marks = [...marks, ...readMarks(options.ip6tables, await readSource(io, options.ip6tables))];
  }
  const directorAddresses = options.directorAddresses === undefined ? undefined : await readDirectorAddresses(io, options.directorAddresses);
  if (configFile) return runConfigImport(options, io, { marks, cluster, ...(directorAddresses ? { directorAddresses } : {}) });
  let result;
  try {
    result = importPlan({ services, marks, cluster, ...(directorAddresses ? { directorAddresses } : {}) });
  } catch (err) {
    if (err instanceof ImportError) throw new CliError(`${shownName(options.ipvsadm ?? STDIN)}: ${err.message}`, EXIT.invalid);
    throw err;
  }
  io.out(JSON.stringify(result.plan, null, 2) + '\n');
  for (const note of result.notes) io.err(`lvsctl import: note: ${note}\n`);
  if (!implicitStdin && options.ipvsadm === undefined) {
    io.err('lvsctl import: note: no IPVS table was read (only mark rules were given), so the plan has no services: add --ipvsadm FILE (or - for stdin) with `ipvsadm -S -n` output\n');
  }
  return EXIT.ok;
}

/** --keepalived or --ldirectord, with the marks of --iptables/--ip6tables and the director's addresses when given. */
async function runConfigImport(options: ImportCliOptions, io: ImportIo, base: ConfigImportBase): Promise<number> {
  let result;
  try {
    if (options.keepalived !== undefined) {
      if (options.keepalived === STDIN) throw new CliError('--keepalived needs a file (its includes are taken from its directory), not stdin', EXIT.invalid);
      result = await importKeepalived(options.keepalived, io.configFiles ?? diskConfigFiles, base);
    } else {
      const file = options.ldirectord as string;
      result = importLdirectord(await readSource(io, file), shownName(file), base);
    }
  } catch (err) {
    if (err instanceof KeepalivedSyntaxError || err instanceof KeepalivedImportError || err instanceof LdirectordImportError) {
      throw new CliError(err.message, EXIT.invalid);
    }
    if (err instanceof ImportError) throw new CliError(`${options.keepalived ?? options.ldirectord}: ${err.message}`, EXIT.invalid);
    throw err;
  }
  io.out(JSON.stringify(result.plan, null, 2) + '\n');
  for (const note of result.notes) io.err(`lvsctl import: note: ${note}\n`);
  return EXIT.ok;
}

async function readDirectorAddresses(io: ImportIo, source: string): Promise<DirectorAddress[]> {
  const text = await readSource(io, source);
  try {
    return parseDirectorAddresses(text);
  } catch (err) {
    throw new CliError(`${shownName(source)}: ${err instanceof Error ? err.message : String(err)}; give it the output of \`ip -j addr show\` on the director`, EXIT.invalid);
  }
}

/** The process's own streams, files and stdin. */
export function processImportIo(): ImportIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    read: (source) => (source === STDIN ? readBoundedText(process.stdin) : readBoundedFile(source)),
    stdinIsTerminal: process.stdin.isTTY === true,
    configFiles: diskConfigFiles,
  };
}
