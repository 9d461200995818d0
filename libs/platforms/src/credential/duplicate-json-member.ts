/** A JSON string literal, or one of the structural characters that matter for member names. */
const TOKENS = /"(?:[^"\\]|\\.)*"|[{}[\],:]/g;

/**
 * The first member name that appears twice in one object of `text`, or undefined. `text` must
 * already be valid JSON (`JSON.parse` accepted it): then strings and structure are all there is to
 * track, and a name is compared decoded, so `"a"` and `"\u0061"` are the same member.
 */
export function duplicateJsonMember(text: string): string | undefined {
  const objects: (Set<string> | undefined)[] = [];
  let expectingName = false;
  for (const [token] of text.matchAll(TOKENS)) {
    const names = objects.at(-1);
    switch (token) {
      case '{':
        objects.push(new Set());
        expectingName = true;
        break;
      case '[':
        objects.push(undefined);
        expectingName = false;
        break;
      case '}':
      case ']':
        objects.pop();
        expectingName = false;
        break;
      case ',':
        expectingName = names !== undefined;
        break;
      case ':':
        expectingName = false;
        break;
      default:
        if (expectingName && names !== undefined) {
          const name = JSON.parse(token) as string;
          if (names.has(name)) return name;
          names.add(name);
        }
        expectingName = false;
    }
  }
  return undefined;
}
