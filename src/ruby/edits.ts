/** A replacement of [start, end) in the text it was planned against (UTF-16 offsets, as tree-sitter gives). */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** The one place edits become text: they must be sorted and must not overlap. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at || e.end < e.start || e.end > text.length) {
      throw new Error(`overlapping or out-of-range edit [${e.start}, ${e.end})`);
    }
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}
