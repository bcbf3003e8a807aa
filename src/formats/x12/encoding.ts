import { open } from "node:fs/promises";
import { CP1252_HIGH } from "../../util/charsets.js";

/**
 * The character encodings an X12 feed may be read in. The file is always read byte for byte
 * (as Latin-1 code units, so delimiters are found whatever the encoding); each segment is
 * then decoded and checked: a byte that is not valid in the encoding makes that segment a
 * problem naming the byte, never a replacement character (two SKUs differing in one accented
 * letter must not become one).
 */
export const X12_ENCODINGS = ["auto", "ascii", "latin1", "windows-1252", "utf8"] as const;
export type X12Encoding = (typeof X12_ENCODINGS)[number];

/** a segment's decoded text, or why it cannot be decoded and at which character (0-based) */
export type SegmentDecoder = (text: string) => { text: string } | { problem: string; at: number };

const hex = (c: number) => `0x${c.toString(16).toUpperCase().padStart(2, "0")}`;
const HIGH = /[\x80-\xff]/;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function firstBad(text: string, bad: (code: number) => boolean): { code: number; at: number } | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (bad(code)) return { code, at: i + 1 };
  }
  return undefined;
}

export function segmentDecoder(encoding: Exclude<X12Encoding, "auto">): SegmentDecoder {
  switch (encoding) {
    case "ascii":
      return (text) => {
        const b = HIGH.test(text) ? firstBad(text, (c) => c >= 0x80) : undefined;
        return b
          ? { problem: `byte ${hex(b.code)} at character ${b.at} is not ASCII (the feed's encoding)`, at: b.at - 1 }
          : { text };
      };
    case "latin1":
      return (text) => {
        const b = HIGH.test(text) ? firstBad(text, (c) => c >= 0x80 && c <= 0x9f) : undefined;
        if (!b) return { text };
        return {
          problem: `byte ${hex(b.code)} at character ${b.at} is a control code in Latin-1 (is the file windows-1252?)`,
          at: b.at - 1,
        };
      };
    case "windows-1252":
      return (text) => {
        if (!HIGH.test(text)) return { text };
        const b = firstBad(text, (c) => c >= 0x80 && c <= 0x9f && CP1252_HIGH[c - 0x80] === undefined);
        if (b)
          return { problem: `byte ${hex(b.code)} at character ${b.at} is not a windows-1252 character`, at: b.at - 1 };
        return { text: text.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!) };
      };
    case "utf8":
      return (text) => {
        if (!HIGH.test(text)) return { text };
        try {
          return { text: strictUtf8.decode(Buffer.from(text, "latin1")) };
        } catch {
          const b = firstBad(text, (c) => c >= 0x80)!;
          return {
            problem: `the bytes from character ${b.at} (${hex(b.code)}...) are not valid UTF-8 (the feed's encoding)`,
            at: b.at - 1,
          };
        }
      };
  }
}

/**
 * `auto`: UTF-8 when the whole file is valid UTF-8, else Latin-1, with a note saying so.
 * (ASCII files are both; a Latin-1 file is almost never valid UTF-8 by accident.)
 */
export async function detectEncoding(file: string): Promise<{ encoding: "utf8" | "latin1"; note?: string }> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const h = await open(file, "r");
  try {
    const buf = Buffer.alloc(256 * 1024);
    let offset = 0;
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) break;
      try {
        decoder.decode(buf.subarray(0, bytesRead), { stream: true });
      } catch {
        return { encoding: "latin1", note: `not valid UTF-8 (near byte ${offset}): read as Latin-1` };
      }
      offset += bytesRead;
    }
    try {
      decoder.decode();
    } catch {
      return { encoding: "latin1", note: "not valid UTF-8 (it ends inside a character): read as Latin-1" };
    }
    return { encoding: "utf8" };
  } finally {
    await h.close();
  }
}
