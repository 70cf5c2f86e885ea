// The importer's defaults that the command line shows in its help, apart from the
// importer so that `lvsctl import --help` does not load it.
export const DEFAULT_IMPORT_CLUSTER = 'imported';
