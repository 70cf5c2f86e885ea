// The one error the text parsers (ipvsadm -S, iptables-save) throw: it carries the line
// number and the line itself, so a caller can name the file too (lvsctl import) or log it
// as is (the agent reading its own kernel).
export class TextFormatError extends Error {
  constructor(
    /** 1-based line number in the text that was parsed */
    readonly lineNumber: number,
    /** the line as it was read, without its newline */
    readonly line: string,
    /** what is wrong with it, without the place */
    readonly reason: string,
  ) {
    super(`line ${lineNumber}: ${reason}: ${JSON.stringify(line)}`);
    this.name = 'TextFormatError';
  }
}
