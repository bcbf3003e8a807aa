import { createReadStream, type ReadStream } from "node:fs";
import { DEFAULT_LIMITS } from "../../mapping/limits.js";

/** The separators an interchange declares in its ISA segment. */
export interface Delimiters {
  element: string;
  component: string;
  /** "\n" stands for any line break (LF, CRLF or CR) used as the terminator */
  segment: string;
  /** ISA11 in 00402 and later; undefined where ISA11 is the standards id "U" */
  repetition?: string;
}

export interface Segment {
  /** segment id: ISA, GS, ST, LIN... */
  id: string;
  /** elements[0] is the id; elements[n] is element n (QTY02 = elements[2]) */
  elements: string[];
  /** 1-based position of the segment in the file */
  index: number;
  /** the delimiters of the interchange this segment belongs to */
  delimiters: Delimiters;
  /** why the segment cannot be read as it is (its bytes in the file's encoding, not a segment at all) */
  problem?: string;
  /** the element the problem is in, when known */
  problemElement?: number;
}

export class X12SyntaxError extends Error {
  constructor(
    message: string,
    /** the segment at fault (1-based position in the file), when known */
    readonly segment?: number,
  ) {
    super(segment === undefined ? message : `segment ${segment}: ${message}`);
  }
}

const ISA_ELEMENTS = 16;
const LINE_BREAK = /[\r\n]/;
const LINE_BREAKS = /[\r\n]+/g;

/**
 * Reads the delimiters from the start of an ISA segment. Line breaks are skipped while
 * counting (files wrapped at a fixed width break even inside the ISA). Returns null when
 * `text` is too short to tell, with `end` the offset just after the segment terminator.
 */
export function readIsaDelimiters(
  text: string,
  at: number,
  eof: boolean,
): { delimiters: Delimiters; end: number; isa: string } | null {
  const element = text[at + 3];
  if (element === undefined) {
    if (eof) throw new X12SyntaxError("file ends inside the ISA segment");
    return null;
  }
  if (/[A-Za-z0-9\s]/.test(element))
    throw new X12SyntaxError(`ISA segment: ${JSON.stringify(element)} cannot be the element separator`);
  let count = 0;
  let i = at;
  let isa = "";
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === "\r" || c === "\n") continue;
    if (c === element && ++count === ISA_ELEMENTS) break;
    isa += c;
  }
  // after the 16th separator: ISA16 (component separator), then the terminator
  let j = i + 1;
  while (j < text.length && LINE_BREAK.test(text[j])) j++;
  const component = text[j];
  const terminatorAt = j + 1;
  if (component === undefined || terminatorAt >= text.length) {
    if (eof) throw new X12SyntaxError("file ends inside the ISA segment");
    return null;
  }
  let segment = text[terminatorAt];
  let end = terminatorAt + 1;
  if (segment === "\r" || segment === "\n") {
    segment = "\n";
    if (text[terminatorAt] === "\r" && text[end] === "\n") end++;
  }
  const fields = isa.split(element);
  // fields[0] is "ISA"; ISA11 is the repetition separator from 00402 on, "U" before
  const isa11 = fields[11];
  const repetition =
    isa11 !== undefined && isa11.length === 1 && isa11 !== "U" && !/[A-Za-z0-9 ]/.test(isa11) ? isa11 : undefined;
  const delimiters: Delimiters = { element, component, segment, repetition };
  const used = [element, component, segment, ...(repetition ? [repetition] : [])];
  if (new Set(used).size !== used.length)
    throw new X12SyntaxError(
      `ISA segment declares the same character twice among its delimiters (${used.map((d) => JSON.stringify(d)).join(" ")})`,
    );
  if (/[A-Za-z0-9 ]/.test(component))
    throw new X12SyntaxError(`ISA16 ${JSON.stringify(component)} cannot be the component separator`);
  return { delimiters, end, isa: isa + element + component };
}

export interface TokenizeOptions {
  /** the mapping's limits.maxLineLength: a longer segment refuses the file */
  maxSegment?: number;
  /** a segment's text checked in the file's encoding: its decoded text, or why it cannot be read */
  decode?: (text: string) => { text: string } | { problem: string; at: number };
  /** things worth telling that are not errors (bytes ignored after the last IEA) */
  note?: (text: string) => void;
}

/** What may stand between interchanges and after the last: white space, a BOM, NULs, DOS's end-of-file 0x1A. */
const BETWEEN = /[\s\uFEFF\x00\x1A]/;
const NO_DELIMITERS: Delimiters = { element: "*", component: ">", segment: "~" };

/**
 * Segments of an X12 text stream, one interchange after another. Each interchange's
 * delimiters are read from its ISA, never assumed. Line breaks are not data in X12: with
 * a printable terminator they are dropped wherever they are (CRLF after terminators,
 * lines wrapped at a fixed width); with a line break as terminator, each line is a segment.
 *
 * What cannot be read is yielded, not thrown, so that one broken interchange does not lose
 * its neighbours: a segment whose text is not a segment or not valid in the file's encoding
 * carries a `problem`; an unreadable ISA or text between interchanges is skipped to the next
 * ISA and yielded as a segment with id "" and its problem. Only a file that does not start
 * with an interchange, or a segment past the length limit, is refused whole.
 */
export async function* x12Segments(chunks: AsyncIterable<string>, o: TokenizeOptions = {}): AsyncGenerator<Segment> {
  const maxSegment = o.maxSegment ?? DEFAULT_LIMITS.maxLineLength;
  let buffer = "";
  let pos = 0;
  // where the search for the current segment's terminator goes on: each character is looked at once
  let searched = 0;
  let delimiters: Delimiters | null = null;
  let index = 0;
  let eof = false;
  const it = chunks[Symbol.asyncIterator]();
  const more = async (): Promise<boolean> => {
    if (eof) return false;
    const r = await it.next();
    if (r.done) {
      eof = true;
      return false;
    }
    buffer = buffer.slice(pos) + r.value;
    searched = Math.max(0, searched - pos);
    pos = 0;
    return true;
  };
  const broken = (problem: string, text = ""): Segment => ({
    id: "",
    elements: [text],
    index: ++index,
    delimiters: delimiters ?? NO_DELIMITERS,
    problem,
  });
  /** moves to the next "ISA" (or the end): how many characters were skipped */
  const skipToIsa = async (): Promise<number> => {
    let skipped = 0;
    for (;;) {
      const at = buffer.indexOf("ISA", pos);
      if (at >= 0) {
        skipped += at - pos;
        pos = at;
        return skipped;
      }
      const keep = Math.max(pos, buffer.length - 2);
      skipped += keep - pos;
      pos = keep;
      if (!(await more())) {
        skipped += buffer.length - pos;
        pos = buffer.length;
        return skipped;
      }
    }
  };

  for (;;) {
    if (delimiters === null) {
      // between interchanges: white space, a BOM, NULs and 0x1A
      let odd = 0;
      for (;;) {
        for (; pos < buffer.length && BETWEEN.test(buffer[pos]); pos++) if (!/\s/.test(buffer[pos])) odd++;
        if (pos + 3 <= buffer.length || !(await more())) break;
      }
      if (pos >= buffer.length) {
        if (odd > 0 && index > 0) o.note?.(`${odd} NUL or end-of-file (0x1A) byte(s) after the last IEA ignored`);
        return;
      }
      if (buffer.slice(pos, pos + 3) !== "ISA") {
        const seen = JSON.stringify(buffer.slice(pos, pos + 20).replace(LINE_BREAKS, " "));
        if (index === 0) throw new X12SyntaxError(`not an X12 interchange: the file starts with ${seen}, not ISA`, 1);
        const skipped = await skipToIsa();
        yield broken(`after IEA the file goes on with ${seen}, not ISA: ${skipped} characters not read`);
        continue;
      }
      let read: ReturnType<typeof readIsaDelimiters>;
      try {
        read = readIsaDelimiters(buffer, pos, eof);
        while (read === null) {
          await more();
          read = readIsaDelimiters(buffer, pos, eof);
        }
      } catch (e) {
        if (!(e instanceof X12SyntaxError)) throw e;
        // its delimiters are unknown: nothing of this interchange can be read
        pos += 3;
        const skipped = await skipToIsa();
        yield broken(`${e.message}: the interchange cannot be read (${skipped + 3} characters)`);
        continue;
      }
      delimiters = read.delimiters;
      index++;
      const isa: Segment = { id: "ISA", elements: read.isa.split(delimiters.element), index, delimiters };
      const checked = o.decode?.(read.isa);
      if (checked && "problem" in checked) isa.problem = checked.problem;
      yield isa;
      pos = read.end;
      continue;
    }
    const d: Delimiters = delimiters;
    let end = -1;
    let next = -1;
    const find = () => {
      const from = Math.max(pos, searched);
      if (d.segment === "\n") {
        LINE_BREAKS.lastIndex = from;
        const m = LINE_BREAKS.exec(buffer);
        end = m ? m.index : -1;
        next = m ? m.index + m[0].length : -1;
        // line breaks running to the end of a chunk may go on in the next one: looked at again
        if (m && next === buffer.length && !eof) [end, searched] = [-1, m.index];
        else searched = m ? 0 : buffer.length;
      } else {
        end = buffer.indexOf(d.segment, from);
        next = end + 1;
        searched = end >= 0 ? 0 : buffer.length;
      }
      return end >= 0;
    };
    const tooLong = () =>
      new X12SyntaxError(
        `a segment is longer than ${maxSegment} characters (the mapping's limits.maxLineLength): the file is refused`,
        index + 1,
      );
    while (!find()) {
      if (buffer.length - pos > maxSegment) throw tooLong();
      if (!(await more()) && !find()) {
        end = buffer.length;
        next = buffer.length;
        break;
      }
    }
    if (end - pos > maxSegment) throw tooLong();
    let text = buffer.slice(pos, end);
    pos = next;
    if (d.segment !== "\n") text = text.replace(LINE_BREAKS, "");
    if (text.trim() === "") {
      if (end === buffer.length && eof) return; // the envelope reports what is left open
      continue;
    }
    if (end === buffer.length && eof && d.segment !== "\n") {
      yield broken(
        `file ends inside a segment (${JSON.stringify(text.slice(0, 30))} has no terminator): truncated file?`,
        text,
      );
      return;
    }
    const segment = segmentOf(text, d, ++index, o.decode);
    yield segment;
    if (segment.id === "IEA") delimiters = null;
  }
}

/** One segment's text split into elements, with a problem when it is not a segment or not valid in the encoding. */
function segmentOf(raw: string, d: Delimiters, index: number, decode: TokenizeOptions["decode"]): Segment {
  const checked = decode?.(raw);
  const text = checked && "text" in checked ? checked.text : raw;
  const elements = text.split(d.element);
  const id = elements[0].trim();
  if (!/^[A-Z][A-Z0-9]{1,2}$/.test(id)) {
    return {
      id: "",
      elements: [text],
      index,
      delimiters: d,
      problem: `${JSON.stringify(text.slice(0, 20))} is not a segment (wrong delimiters?)`,
    };
  }
  elements[0] = id;
  const segment: Segment = { id, elements, index, delimiters: d };
  if (checked && "problem" in checked) {
    segment.problem = checked.problem;
    segment.problemElement = raw.slice(0, checked.at).split(d.element).length - 1;
  }
  return segment;
}

/** The file's bytes in chunks, one character per byte; the stream is in `opened` while it is open. */
export async function* x12FileChunks(file: string, opened?: Set<ReadStream>): AsyncGenerator<string> {
  // byte for byte: each segment is decoded in the feed's encoding once it is cut (see encoding.ts)
  const stream = createReadStream(file, { encoding: "latin1", highWaterMark: 256 * 1024 });
  opened?.add(stream);
  try {
    for await (const chunk of stream) yield chunk as string;
  } finally {
    stream.destroy();
    opened?.delete(stream);
  }
}

export async function* stringChunks(text: string): AsyncGenerator<string> {
  yield text;
}
