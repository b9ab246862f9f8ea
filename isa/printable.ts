// Text from an input (a symbol or section name, a string table entry) made fit for a one-line
// error message: control bytes escaped, and at most `max` characters quoted.

/** `text` with C0/C1 control characters and DEL as \xNN, cut to `max` characters (then "…"). */
export function printable(text: string, max = Infinity): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
