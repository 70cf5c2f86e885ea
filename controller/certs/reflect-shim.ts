// @peculiar/x509 loads tsyringe, which refuses to load unless a Reflect metadata API exists
// (it normally comes from the `reflect-metadata` package, which is not installed here).
// This installs the three functions tsyringe calls, backed by a WeakMap, and only when no
// polyfill is present. Import it before @peculiar/x509.
type Target = object;
type MetadataMap = Map<unknown, unknown>;

interface ReflectMetadataApi {
  defineMetadata(key: unknown, value: unknown, target: Target): void;
  getOwnMetadata(key: unknown, target: Target): unknown;
  getMetadata(key: unknown, target: Target): unknown;
}

const reflect = Reflect as typeof Reflect & Partial<ReflectMetadataApi>;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<Target, MetadataMap>();
  const own = (key: unknown, target: Target): unknown => store.get(target)?.get(key);
  reflect.defineMetadata = (key, value, target) => {
    const map = store.get(target) ?? new Map<unknown, unknown>();
    map.set(key, value);
    store.set(target, map);
  };
  reflect.getOwnMetadata = own;
  reflect.getMetadata = (key, target) => {
    // inherited metadata: walk the prototype chain as reflect-metadata does
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const value = own(key, t);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

export {};
