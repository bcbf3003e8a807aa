/**
 * An XML document as elements with their namespaces resolved, built from fast-xml-parser's
 * ordered output. Names are matched by namespace URI, never by the prefix a file happens to
 * use; text is entity-decoded, CDATA is kept literal.
 */
export interface XmlAttribute {
  prefix: string;
  local: string;
  /** "" for an attribute without a prefix (attributes take no default namespace) */
  uri: string;
  value: string;
}

export interface XmlElement {
  prefix: string;
  local: string;
  /** the namespace URI ("" for none) */
  uri: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** its own text: character data (entities decoded) and CDATA sections (literal), in order */
  text: string;
  parent?: XmlElement;
}

const XML_NS = "http://www.w3.org/XML/1998/namespace";
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** The five predefined XML entities and character references; nothing else is expanded. */
export function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9A-Fa-f]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e[0] !== "#") return PREDEFINED[e];
    const code = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
  });
}

export class XmlNamespaceError extends Error {}

function split(qname: string): { prefix: string; local: string } {
  const i = qname.indexOf(":");
  return i < 0 ? { prefix: "", local: qname } : { prefix: qname.slice(0, i), local: qname.slice(i + 1) };
}

type Ordered = Record<string, unknown>;

/** One element of the ordered output (`{ name: children, ":@": attributes }`), with the namespaces in scope. */
function element(node: Ordered, scope: ReadonlyMap<string, string>, parent?: XmlElement): XmlElement | undefined {
  const name = Object.keys(node).find((k) => k !== ":@");
  if (name === undefined || name.startsWith("#") || name.startsWith("?")) return undefined;
  const raw = (node[":@"] ?? {}) as Record<string, string>;
  const inScope = new Map(scope);
  for (const [k, v] of Object.entries(raw)) {
    if (k === "@xmlns") inScope.set("", decodeEntities(v));
    else if (k.startsWith("@xmlns:")) inScope.set(k.slice(7), decodeEntities(v));
  }
  const { prefix, local } = split(name);
  const uri = inScope.get(prefix);
  if (uri === undefined) throw new XmlNamespaceError(`the prefix ${prefix}: of <${name}> is not declared`);
  const attributes: XmlAttribute[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (k === "@xmlns" || k.startsWith("@xmlns:")) continue;
    const a = split(k.slice(1));
    const aUri = a.prefix === "" ? "" : inScope.get(a.prefix);
    if (aUri === undefined)
      throw new XmlNamespaceError(`the prefix ${a.prefix}: of attribute ${k.slice(1)} is not declared`);
    attributes.push({ ...a, uri: aUri, value: decodeEntities(v) });
  }
  const el: XmlElement = { prefix, local, uri, attributes, children: [], text: "", parent };
  for (const child of (node[name] ?? []) as Ordered[]) {
    if ("#text" in child) el.text += decodeEntities(String(child["#text"]));
    else if ("#cdata" in child)
      el.text += ((child["#cdata"] ?? []) as Ordered[]).map((c) => String(c["#text"] ?? "")).join("");
    else {
      const c = element(child, inScope, el);
      if (c) el.children.push(c);
    }
  }
  return el;
}

/** The root element of a parsed document. */
export function documentRoot(ordered: Ordered[]): XmlElement | undefined {
  const scope = new Map([
    ["xml", XML_NS],
    ["", ""],
  ]);
  for (const node of ordered) {
    const el = element(node, scope);
    if (el) return el;
  }
  return undefined;
}

/** A name in a mapping (`Item`, `inv:Item`, `@code`) matched against the document by URI. */
export interface NameTest {
  local: string;
  /** the URI the name must be in; undefined: an unprefixed name (see matches) */
  uri?: string;
}

/**
 * Reads a mapping's name with the mapping's namespaces (`xml.namespaces: { inv: "urn:..." }`).
 * A prefixed name matches by the URI its prefix stands for in the mapping. An unprefixed name
 * matches the mapping's default namespace (`""`) when it declares one, else an element the
 * file does not put in a prefixed namespace (no namespace, or the file's default).
 */
export function nameTest(name: string, namespaces: Record<string, string>): NameTest | string {
  const { prefix, local } = split(name);
  if (prefix === "") return Object.hasOwn(namespaces, "") ? { local, uri: namespaces[""] } : { local };
  if (!Object.hasOwn(namespaces, prefix)) return `the prefix ${prefix}: is not in the mapping's xml.namespaces`;
  return { local, uri: namespaces[prefix] };
}

export function matches(t: NameTest, n: { prefix: string; local: string; uri: string }): boolean {
  if (t.local !== n.local) return false;
  return t.uri !== undefined ? n.uri === t.uri : n.prefix === "";
}

/** An attribute test (read with nameTest without the default namespace: unprefixed attributes are in none). */
export function matchesAttribute(t: NameTest, a: XmlAttribute): boolean {
  if (t.local !== a.local) return false;
  return t.uri === undefined ? a.prefix === "" : a.uri === t.uri;
}
