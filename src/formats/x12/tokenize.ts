import { createReadStream } from "node:fs";
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

/**
 * Segments of an X12 text stream, one interchange after another. Each interchange's
 * delimiters are read from its ISA, never assumed. Line breaks are not data in X12: with
 * a printable terminator they are dropped wherever they are (CRLF after terminators,
 * lines wrapped at a fixed width); with a line break as terminator, each line is a segment.
 */
export async function* x12Segments(
  chunks: AsyncIterable<string>,
  maxSegment = DEFAULT_LIMITS.maxLineLength,
): AsyncGenerator<Segment> {
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

  for (;;) {
    if (delimiters === null) {
      // between interchanges: only whitespace (and a BOM at the start) may come before ISA
      for (;;) {
        while (pos < buffer.length && /[\s\uFEFF\x00]/.test(buffer[pos])) pos++;
        if (pos + 3 <= buffer.length || !(await more())) break;
      }
      if (pos >= buffer.length) return;
      if (buffer.slice(pos, pos + 3) !== "ISA") {
        const seen = buffer.slice(pos, pos + 20).replace(LINE_BREAKS, " ");
        throw new X12SyntaxError(
          index === 0
            ? `not an X12 interchange: the file starts with ${JSON.stringify(seen)}, not ISA`
            : `after IEA the file goes on with ${JSON.stringify(seen)}, not ISA`,
          index + 1,
        );
      }
      let read = readIsaDelimiters(buffer, pos, eof);
      while (read === null) {
        await more();
        read = readIsaDelimiters(buffer, pos, eof);
      }
      delimiters = read.delimiters;
      index++;
      yield { id: "ISA", elements: read.isa.split(delimiters.element), index, delimiters };
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
      if (end === buffer.length && eof) return; // the envelope check reports a missing IEA
      continue;
    }
    if (end === buffer.length && eof && d.segment !== "\n") {
      throw new X12SyntaxError(
        `file ends inside a segment (${JSON.stringify(text.slice(0, 30))} has no terminator): truncated file?`,
        index + 1,
      );
    }
    index++;
    const elements = text.split(d.element);
    const id = elements[0].trim();
    if (!/^[A-Z][A-Z0-9]{1,2}$/.test(id))
      throw new X12SyntaxError(`${JSON.stringify(text.slice(0, 20))} is not a segment (wrong delimiters?)`, index);
    elements[0] = id;
    yield { id, elements, index, delimiters: d };
    if (id === "IEA") delimiters = null;
  }
}

/** The file's text in chunks (a character split across chunks is decoded whole). */
export async function* x12FileChunks(file: string, encoding: BufferEncoding): AsyncGenerator<string> {
  for await (const chunk of createReadStream(file, { encoding, highWaterMark: 256 * 1024 })) yield chunk as string;
}

export async function* stringChunks(text: string): AsyncGenerator<string> {
  yield text;
}
