/** windows-1252's characters for the bytes 0x80-0x9F; undefined where the code page has none. */
export const CP1252_HIGH: ReadonlyArray<string | undefined> = [
  ..."€\u0000‚ƒ„…†‡ˆ‰Š‹Œ\u0000Ž\u0000\u0000‘’“”•–—˜™š›œ\u0000žŸ",
].map((c) => (c === "\u0000" ? undefined : c));

/** Latin-1 text (one character per byte) as windows-1252; the first undefined byte, when one is there. */
export function fromCp1252(bytes: string): { text: string } | { bad: number; at: number } {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (c >= 0x80 && c <= 0x9f && CP1252_HIGH[c - 0x80] === undefined) return { bad: c, at: i };
  }
  return { text: bytes.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!) };
}
