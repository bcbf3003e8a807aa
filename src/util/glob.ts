/** File-name globs for drop folders: `*`, `?`, `[abc]`, `{csv,txt}`; matched against the name only. */
export function globToRegExp(glob: string): RegExp {
  let src = "^";
  let inGroup = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") src += "[^/]*";
    else if (c === "?") src += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) src += "\\[";
      else {
        src += "[" + glob.slice(i + 1, end).replace(/\\/g, "\\\\") + "]";
        i = end;
      }
    } else if (c === "{") {
      inGroup = true;
      src += "(?:";
    } else if (c === "}" && inGroup) {
      inGroup = false;
      src += ")";
    } else if (c === "," && inGroup) src += "|";
    else src += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(src + "$", "i");
}
