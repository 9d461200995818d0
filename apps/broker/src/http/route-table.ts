interface Route {
  method: string;
  segments: readonly string[];
}

function segmentsOf(path: string): string[] {
  const query = path.indexOf('?');
  return (query === -1 ? path : path.slice(0, query)).split('/');
}

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The routes the application registered (method and pattern, `:name` for a parameter), to answer
 * what the router alone cannot: which methods a path does allow (405), and which parameter an
 * undecodable path segment was meant for.
 */
export class RouteTable {
  private readonly routes: Route[] = [];

  add(methods: string | readonly string[], pattern: string): void {
    for (const method of [methods].flat()) this.routes.push({ method, segments: segmentsOf(pattern) });
  }

  /** The methods routed for `path`, sorted; empty when no route has its shape. */
  methodsFor(path: string): string[] {
    const segments = segmentsOf(path);
    const methods = new Set(this.matching(segments).map((route) => route.method));
    return [...methods].sort();
  }

  /** The name of the parameter an undecodable segment of `path` stands for, when a route says. */
  undecodableParameter(path: string): string | undefined {
    const segments = segmentsOf(path);
    const index = segments.findIndex((segment) => decoded(segment) === undefined);
    if (index === -1) return undefined;
    const pattern = this.matching(segments)[0]?.segments[index];
    return pattern?.startsWith(':') ? pattern.slice(1) : undefined;
  }

  private matching(segments: readonly string[]): Route[] {
    return this.routes.filter(
      (route) =>
        route.segments.length === segments.length &&
        route.segments.every((pattern, i) =>
          pattern.startsWith(':') ? segments[i] !== '' : decoded(segments[i] ?? '') === pattern,
        ),
    );
  }
}
