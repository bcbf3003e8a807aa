import { FileUnreadableError } from "../../errors.js";
import { fromCp1252 } from "../../util/charsets.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * An XML file's bytes as text, in the encoding it declares: a byte-order mark (UTF-8, UTF-16
 * LE or BE) first, else the XML declaration's `encoding` (UTF-8 by default). UTF-8 is decoded
 * strictly; ISO-8859-1, windows-1252 and US-ASCII are read as such. Anything else, or bytes not
 * valid in the encoding, refuse the file naming the encoding: never a silent replacement.
 */
export function xmlText(bytes: Buffer, file: string): { text: string; encoding: string } {
  const refuse = (why: string): never => {
    throw new FileUnreadableError(why, file);
  };
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: bytes.subarray(2).toString("utf16le"), encoding: "UTF-16LE" };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    if (swapped.length % 2) refuse("a UTF-16 file with an odd number of bytes: truncated?");
    return { text: swapped.swap16().toString("utf16le"), encoding: "UTF-16BE" };
  }
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  const head = body.subarray(0, 200).toString("latin1");
  const declared = /^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
  const name = (declared ?? "UTF-8").toUpperCase();
  if (bom && name !== "UTF-8")
    refuse(`the file starts with a UTF-8 byte-order mark but declares encoding="${declared}"`);
  switch (name) {
    case "UTF-8":
    case "UTF8":
      try {
        return { text: strictUtf8.decode(body), encoding: "UTF-8" };
      } catch {
        const at = firstInvalidUtf8(body);
        return refuse(
          `bytes that are not UTF-8 near byte ${at} (the file declares ${declared ? `encoding="${declared}"` : "no encoding, so UTF-8"})`,
        );
      }
    case "ISO-8859-1":
    case "LATIN1":
    case "ISO_8859-1":
      return { text: body.toString("latin1"), encoding: "ISO-8859-1" };
    case "WINDOWS-1252":
    case "CP1252": {
      const r = fromCp1252(body.toString("latin1"));
      if ("bad" in r)
        refuse(`byte 0x${r.bad.toString(16).toUpperCase()} near byte ${r.at} is not a windows-1252 character`);
      return { text: (r as { text: string }).text, encoding: "windows-1252" };
    }
    case "US-ASCII":
    case "ASCII": {
      const at = body.findIndex((b) => b > 0x7f);
      if (at >= 0)
        refuse(
          `byte 0x${body[at].toString(16).toUpperCase()} near byte ${at} is not US-ASCII, which the file declares`,
        );
      return { text: body.toString("latin1"), encoding: "US-ASCII" };
    }
    case "UTF-16":
    case "UTF-16LE":
    case "UTF-16BE":
      return refuse(
        `encoding="${declared}" without a byte-order mark: stockfeed reads UTF-16 files that start with one`,
      );
    default:
      return refuse(
        `encoding="${declared}" is not one stockfeed reads (UTF-8, UTF-16 with a BOM, ISO-8859-1, windows-1252, US-ASCII)`,
      );
  }
}

/** Where the first byte sequence that is not UTF-8 starts (for the message; the strict decoder decides). */
function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return b.length;
}
