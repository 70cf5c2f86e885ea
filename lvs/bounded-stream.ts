// A stream's text, read up to a bound: a plan on stdin (32 MiB), what lvsctl import reads
// (64 MiB). A stream past the bound is destroyed as soon as it passes it, not read to its
// end (/dev/zero has none).

/** The stream's whole text (UTF-8), or undefined once it passes `limit` bytes. */
export async function readStreamUpTo(stream: NodeJS.ReadableStream, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    length += buffer.length;
    if (length > limit) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
