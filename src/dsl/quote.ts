// Bad input quoted in an error message: at most a few dozen characters, control bytes escaped,
// so that one error stays one line whatever the input holds.

export function quoted(value: unknown, max = 40): string {
  let text: string;
  // Any value a user may pass: a symbol, an object without a prototype or with a throwing toString.
  try { text = typeof value === 'symbol' ? value.toString() : String(value); } catch { text = `(${typeof value})`; }
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
