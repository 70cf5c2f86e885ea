// Writing series in the Prometheus text format as Buffers of a few hundred KB, which the HTTP
// server sends as they are, so no copy of a whole page is ever made. For the families that
// grow with the table (ipvs-exposition.ts, health-exposition.ts); prom-client writes the rest.

/** About 100 bytes a line: a Buffer of ~200 KB, few enough Buffers for a 180 MB page. */
const LINES_PER_CHUNK = 2048;

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** Collects lines and turns each LINES_PER_CHUNK of them into one Buffer. */
export class ChunkWriter {
  readonly chunks: Buffer[] = [];
  private lines: string[] = [];

  line(text: string): void {
    this.lines.push(text);
    if (this.lines.length >= LINES_PER_CHUNK) this.flush();
  }

  flush(): void {
    if (this.lines.length === 0) return;
    this.lines.push('');
    this.chunks.push(Buffer.from(this.lines.join('\n')));
    this.lines = [];
  }
}

export function header(out: ChunkWriter, name: string, type: string, help: string): void {
  out.line(`# HELP ${name} ${help}`);
  out.line(`# TYPE ${name} ${type}`);
}

