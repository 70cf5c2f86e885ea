// What went wrong, as text, whatever was thrown: an Error's message, or the value itself.
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Why a directory could not be made (mkdir -p) when a file stands in its way: the path itself
 * (EEXIST) or one of its parents (ENOTDIR); undefined for any other errno. No matter of
 * permissions, which is what the errno alone would suggest to an operator.
 */
export function fileInTheWay(code: string | undefined): string | undefined {
  if (code === 'EEXIST') return 'is a file, not a directory';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a directory';
  return undefined;
}
