// The small HTTP packages Express itself is built on, used directly by the request pipeline
// (src/http/pipeline.ts); they ship JavaScript only. Typed here as far as gx-trust calls them.
declare module 'accepts' {
  import type { IncomingMessage } from 'node:http';
  interface Accepts {
    /** The best of `types` by the Accept header (the first when there is none), or false. */
    type(types: string[]): string | false;
  }
  export default function accepts(req: IncomingMessage): Accepts;
}

declare module 'etag' {
  /** An entity tag of the body: `W/"<length>-<hash>"` when weak. */
  export default function etag(entity: string | Buffer, options?: { weak?: boolean }): string;
}

declare module 'fresh' {
  /** Whether the client's cached copy (If-None-Match / If-Modified-Since) is still the answer's. */
  export default function fresh(requestHeaders: Record<string, string | string[] | undefined>, responseHeaders: Record<string, string | undefined>): boolean;
}
