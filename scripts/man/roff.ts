// roff for man pages (man(7) macros only), from text and from the Markdown subset the
// project's docs use: headings, paragraphs, lists, tables, fenced code, `code`, **bold**.

/** Text as roff: backslashes and hyphens escaped, a leading dot or quote protected, dashes kept. */
export function escape(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}

/** Inline Markdown (`code`, **bold**, *em*, [text](link)) as roff fonts. */
export function inline(text: string): string {
  const parts: string[] = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\([^)]+\)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    parts.push(escape(text.slice(last, m.index)));
    if (m[1] !== undefined) parts.push(`\\fB${escape(m[1])}\\fR`);
    else if (m[2] !== undefined) parts.push(`\\fB${inlineNoBold(m[2])}\\fR`);
    else parts.push(escape(m[3]));
    last = (m.index ?? 0) + m[0].length;
  }
  parts.push(escape(text.slice(last)));
  return parts.join('').replace(/^([.'])/gm, '\\&$1');
}

function inlineNoBold(text: string): string {
  return escape(text.replace(/`/g, ''));
}

/** A block kept as written (help text, examples): no filling, no adjusting. */
export function preformatted(text: string): string[] {
  return ['.PP', '.nf', ...text.split('\n').map((l) => (l === '' ? '' : escape(l))), '.fi'];
}

function cells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/**
 * Markdown to man(7) macros. Headings: `#` is dropped (the page has its own NAME), `##` is a
 * section (.SH), `###` a subsection (.SS). A table becomes one tagged paragraph a row: the
 * first column as the tag, the other columns "header: value" below it.
 */
export function markdownToRoff(markdown: string): string[] {
  const out: string[] = [];
  const lines = markdown.split('\n');
  let paragraph: string[] = [];
  const flush = (): void => {
    if (paragraph.length > 0) out.push('.PP', inline(paragraph.join(' ')));
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('```')) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      out.push('.PP', '.RS 4', '.nf', ...code.map((l) => (l === '' ? '' : escape(l))), '.fi', '.RE');
      continue;
    }
    const heading = /^(#{1,4}) (.*)$/.exec(line);
    if (heading) {
      flush();
      if (heading[1].length === 2) out.push(`.SH ${inline(heading[2].toUpperCase())}`);
      else if (heading[1].length >= 3) out.push(`.SS ${inline(heading[2])}`);
      continue;
    }
    if (line.startsWith('|')) {
      flush();
      const header = cells(line);
      for (i += 2; i < lines.length && lines[i].startsWith('|'); i++) {
        const row = cells(lines[i]);
        out.push('.TP', inline(row[0]));
        out.push(row.slice(1).map((c, j) => `${inline(header[j + 1] ?? '')}: ${inline(c)}`).join('\n.br\n'));
      }
      i--;
      continue;
    }
    const item = /^(\s*)(?:[-*]|\d+\.) (.*)$/.exec(line);
    if (item) {
      flush();
      const text = [item[2]];
      while (i + 1 < lines.length && /^\s{2,}\S/.test(lines[i + 1]) && !/^\s*(?:[-*]|\d+\.) /.test(lines[i + 1])) text.push(lines[++i].trim());
      out.push(`.IP \\(bu 2`, inline(text.join(' ')));
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    paragraph.push(line.trim());
  }
  flush();
  return out;
}
