/**
 * @peculiar/x509 resolves its algorithm providers through tsyringe, which refuses to load unless a
 * Reflect metadata API exists ("tsyringe requires a reflect polyfill", @peculiar/x509 README
 * "Reflect Polyfill Required"). No polyfill package is a dependency yet, so this installs the
 * four functions tsyringe calls (getMetadata, getOwnMetadata, defineMetadata, hasOwnMetadata),
 * and only when no polyfill is present. Import it before @peculiar/x509.
 * TODO(lead): replace with the `reflect-metadata` package once it is in package.json.
 */
type Key = unknown;
type Target = object;

interface ReflectMetadataApi {
  getMetadata?: (key: Key, target: Target, property?: string | symbol) => unknown;
  getOwnMetadata?: (key: Key, target: Target, property?: string | symbol) => unknown;
  defineMetadata?: (key: Key, value: unknown, target: Target, property?: string | symbol) => void;
  hasOwnMetadata?: (key: Key, target: Target, property?: string | symbol) => boolean;
}

const reflect = Reflect as unknown as ReflectMetadataApi;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<Target, Map<string | symbol | undefined, Map<Key, unknown>>>();
  const table = (target: Target, property: string | symbol | undefined, create: boolean) => {
    let byProperty = store.get(target);
    if (byProperty === undefined) {
      if (!create) return undefined;
      byProperty = new Map();
      store.set(target, byProperty);
    }
    let entries = byProperty.get(property);
    if (entries === undefined && create) {
      entries = new Map();
      byProperty.set(property, entries);
    }
    return entries;
  };
  const define = (name: keyof ReflectMetadataApi, value: unknown) =>
    Object.defineProperty(Reflect, name, { value, writable: true, configurable: true, enumerable: false });

  define('defineMetadata', (key: Key, value: unknown, target: Target, property?: string | symbol) => {
    table(target, property, true)?.set(key, value);
  });
  define('hasOwnMetadata', (key: Key, target: Target, property?: string | symbol) =>
    table(target, property, false)?.has(key) ?? false,
  );
  define('getOwnMetadata', (key: Key, target: Target, property?: string | symbol) =>
    table(target, property, false)?.get(key),
  );
  // Metadata is inherited along the prototype chain, as in the reflect-metadata proposal.
  define('getMetadata', (key: Key, target: Target, property?: string | symbol) => {
    for (let t: Target | null = target; t !== null; t = Object.getPrototypeOf(t) as Target | null) {
      const entries = table(t, property, false);
      if (entries?.has(key)) return entries.get(key);
    }
    return undefined;
  });
}

export {};
