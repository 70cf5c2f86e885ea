// Text read in pieces (a /proc file, 64 KiB a read) is cut where a read ended, not where a
// line does: WholeLines hands back the whole lines each piece completes and keeps the line it
// cut until the rest of it comes. Pure.
export class WholeLines {
  private carried = '';

  /** The whole lines (each ending in "\n") the text fed so far completes; '' when none. */
  feed(piece: string): string {
    const text = this.carried + piece;
    const cut = text.lastIndexOf('\n') + 1;
    this.carried = text.slice(cut);
    return text.slice(0, cut);
  }

  /** The last line, when the text did not end in "\n"; '' when it did. */
  end(): string {
    const last = this.carried;
    this.carried = '';
    return last;
  }
}
