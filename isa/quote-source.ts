// Bad input quoted in an error message: at most a few dozen characters, with
// control characters escaped, so that an error stays one short line however
// long or binary the offending text is.

/** Characters quoted from the input before the rest is only counted. */
export const QUOTE_MAX = 40;

/** C0 controls, DEL, C1 controls and the Unicode line/paragraph separators. */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;
const CONTROL_TEST = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;

/** Escapes control characters as \xNN (\uNNNN above 0xff). */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16)}`;
  });
}

/**
 * `text` as an error message shows it: control characters escaped and, past
 * `max` characters of the escaped text, cut with a note of the full length.
 */
export function shown(text: string, max = QUOTE_MAX): string {
  const n = text.length;
  if (n <= max && !CONTROL_TEST.test(text)) return text;
  let out = '';
  let i = 0;
  for (; i < n && out.length < max; i++) out += escapeControls(text[i]!);
  return i < n ? `${out}… (${n} characters)` : out;
}
