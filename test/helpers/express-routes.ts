/** The routes an Express app serves, read from its router stack (mounted routers at any depth). */

export interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | string[];
  slash?: boolean;
}

/** Every `method path` the Express app routes, e.g. `post /credentials/issue`. */
export function expressRoutes(stack: readonly Layer[], prefix = ''): string[] {
  const routes: string[] = [];
  for (const layer of stack) {
    if (layer.route !== undefined) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') routes.push(`${method} ${prefix}${path}`);
        }
      }
    } else if (layer.handle?.stack !== undefined) {
      const mount = layer.slash || layer.rawPath === undefined || Array.isArray(layer.rawPath) ? '' : layer.rawPath;
      routes.push(...expressRoutes(layer.handle.stack, prefix + mount));
    }
  }
  return routes;
}

/** The routes of a running app (`service.app`). */
export function appRoutes(app: unknown): string[] {
  return expressRoutes((app as { router: { stack: Layer[] } }).router.stack);
}
