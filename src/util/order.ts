/**
 * SQLite's order of TEXT (BINARY: the bytes of the UTF-8), in JavaScript: the order a cart
 * file's lines are written in (ORDER BY code), so a merge in code lines up with the file.
 * JavaScript's `<` compares UTF-16 code units, which agrees with it except where a character
 * above U+FFFF meets one from U+E000 to U+FFFF; code points compare as UTF-8 bytes do.
 */
export function compareCodes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
  }
  return a.length - b.length;
}
