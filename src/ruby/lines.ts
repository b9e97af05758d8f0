/** Line arithmetic on the raw text, which may use LF or CRLF. */

export function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

/** Offset just past the line's newline (or the end of the text). */
export function nextLineStart(text: string, at: number): number {
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl + 1;
}

/** Offset of the line's newline sequence (before a CR of CRLF), or the end of the text. */
export function lineEnd(text: string, at: number): number {
  const nl = text.indexOf('\n', at);
  if (nl < 0) return text.length;
  return nl > 0 && text[nl - 1] === '\r' ? nl - 1 : nl;
}

export function indentAt(text: string, at: number): string {
  const start = lineStart(text, at);
  return text.slice(start).match(/^[ \t]*/)![0];
}

export function isBlank(text: string, from: number, to: number): boolean {
  return /^[ \t\r]*$/.test(text.slice(from, to));
}

/** Whether only white space stands between the start of the line and `at`. */
export function startsLine(text: string, at: number): boolean {
  return isBlank(text, lineStart(text, at), at);
}
