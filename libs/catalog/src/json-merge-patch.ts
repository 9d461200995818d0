type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies a JSON merge patch (RFC 7396 §2, the algorithm as written) to `target`, leaving both
 * untouched. Members are copied as own data properties, so a `__proto__` member stays a member.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? Object.fromEntries(Object.entries(target)) : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[name];
      continue;
    }
    const current = Object.hasOwn(result, name) ? result[name] : undefined;
    Object.defineProperty(result, name, {
      value: applyMergePatch(current, value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}
