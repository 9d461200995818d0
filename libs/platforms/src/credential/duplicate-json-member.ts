const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * The first member name that appears twice in one object of `text`, or undefined. `text` must
 * already be valid JSON (`JSON.parse` accepted it): then strings and structure are all there is to
 * track, and a name is compared decoded, so `"a"` and `"\u0061"` are the same member.
 */
export function duplicateJsonMember(text: string): string | undefined {
  // One pass over the characters, no regular expression: every credential is scanned on /token.
  const objects: (Set<string> | undefined)[] = [];
  let names: Set<string> | undefined;
  let expectingName = false;
  for (let i = 0; i < text.length; i++) {
    switch (text.charCodeAt(i)) {
      case OPEN_OBJECT:
        names = new Set();
        objects.push(names);
        expectingName = true;
        break;
      case OPEN_ARRAY:
        names = undefined;
        objects.push(names);
        expectingName = false;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        objects.pop();
        names = objects.at(-1);
        expectingName = false;
        break;
      case COMMA:
        expectingName = names !== undefined;
        break;
      case COLON:
        expectingName = false;
        break;
      case QUOTE: {
        const end = closingQuote(text, i);
        if (expectingName && names !== undefined) {
          const literal = text.slice(i, end + 1);
          const name = literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
          if (names.has(name)) return name;
          names.add(name);
        }
        expectingName = false;
        i = end;
        break;
      }
      default:
    }
  }
  return undefined;
}

/** The index of the quote that closes the string literal opening at `start`. */
function closingQuote(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) return i;
    i += code === BACKSLASH ? 2 : 1;
  }
  return text.length;
}
