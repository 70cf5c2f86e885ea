// `lvsctl import --keepalived FILE` and `--ldirectord FILE`: a director's load-balancer
// configuration → the services it builds, their checks and sorry servers, and a list of
// what could not be carried over, each with its file and line. The table half goes
// through importPlan like an ipvsadm -S -n import, so both imports name and shape alike.
import type { NotCarried } from './keepalived/checkers';
import { readKeepalivedConfig, type ConfigFiles } from './keepalived/syntax';
import { keepalivedServices } from './keepalived/virtual-servers';
import { ldirectordServices } from './ldirectord';
import { importPlan, type ImportInput, type ImportResult } from './import-plan';
import { appendAll } from '../../lvs/append';

/** What a configuration import shares with a table import: the marks, the cluster, the director's addresses. */
export type ConfigImportBase = Pick<ImportInput, 'marks' | 'cluster' | 'directorAddresses'>;

export function notCarriedNote(n: NotCarried): string {
  return `${n.file}:${n.line}: not carried over: ${n.what}: ${n.why}`;
}

export async function importKeepalived(file: string, files: ConfigFiles, base: ConfigImportBase): Promise<ImportResult> {
  const notes: string[] = [];
  const config = await readKeepalivedConfig(file, files, notes);
  const read = keepalivedServices(config);
  const result = importPlan({ ...base, services: read.services, extras: read.extras });
  appendAll(appendAll(appendAll(result.notes, notes), read.notes), read.notCarried.map(notCarriedNote));
  return result;
}

export function importLdirectord(text: string, file: string, base: ConfigImportBase): ImportResult {
  const read = ldirectordServices(text, file);
  const result = importPlan({ ...base, services: read.services, extras: read.extras });
  appendAll(appendAll(result.notes, read.notes), read.notCarried.map(notCarriedNote));
  return result;
}
