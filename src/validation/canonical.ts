/**
 * Field names are not case-checked on ingress (Elexon's published rule: "The DIP will not be enforcing
 * capitalisation validation on JSON field names"), but the DIP emits the canonical spelling. A
 * canonicaliser renames keys that match a declared property case-insensitively, preserving key order.
 */
import { deref, type JsonObject, type OpenApiDoc } from '../catalogue/catalogue.js';

/** Renames field names to their canonical spelling; `changed` tells whether any name was renamed. */
export type Canonicaliser = (value: unknown) => { value: unknown; changed: boolean };

interface Shape {
  /** declared property name → child shape */
  props: Map<string, Shape | null>;
  /** lower-cased property name → declared name */
  lower: Map<string, string>;
  items: Shape | null;
}

/** Compiles a canonicaliser for one schema node; objects whose names are all canonical are kept as they are. */
export function compileCanonicaliser(doc: OpenApiDoc, schema: unknown): Canonicaliser {
  const memo = new Map<unknown, Shape | null>();
  const shapeOf = (node: unknown): Shape | null => {
    if (node === undefined || node === null || typeof node !== 'object') return null;
    const concrete = deref(doc, node);
    if (memo.has(concrete)) return memo.get(concrete)!;
    const shape: Shape = { props: new Map(), lower: new Map(), items: null };
    memo.set(concrete, shape); // set before recursing so self-references terminate
    const alternatives = [concrete, ...(((concrete.oneOf ?? concrete.anyOf ?? concrete.allOf) as unknown[]) ?? [])];
    for (const alt of alternatives) {
      const a = alt === concrete ? concrete : deref(doc, alt);
      for (const [name, child] of Object.entries((a.properties ?? {}) as JsonObject)) {
        if (shape.props.has(name)) continue;
        shape.props.set(name, null);
        shape.lower.set(name.toLowerCase(), name);
        shape.props.set(name, shapeOf(child));
      }
      if (a.items !== undefined && shape.items === null) shape.items = shapeOf(a.items);
    }
    const empty = shape.props.size === 0 && shape.items === null;
    memo.set(concrete, empty ? null : shape);
    return empty ? null : shape;
  };

  let changed = false;
  const walk = (value: unknown, shape: Shape | null): unknown => {
    if (shape === null || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      if (!shape.items) return value;
      for (let i = 0; i < value.length; i++) value[i] = walk(value[i], shape.items);
      return value;
    }
    const obj = value as JsonObject;
    let renamed = false;
    for (const key of Object.keys(obj)) {
      if (shape.props.has(key)) {
        const child = shape.props.get(key)!;
        if (child) obj[key] = walk(obj[key], child);
      } else if (shape.lower.has(key.toLowerCase())) {
        renamed = true;
      }
    }
    if (!renamed) return obj;
    changed = true;
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(obj)) {
      const name = shape.props.has(key) ? key : (shape.lower.get(key.toLowerCase()) ?? key);
      // Two spellings of one name: the first keeps it, a later one stays as written for the schema to refuse.
      if (
        name !== key &&
        (Object.prototype.hasOwnProperty.call(obj, name) || Object.prototype.hasOwnProperty.call(out, name))
      ) {
        setOwn(out, key, v);
        continue;
      }
      const child = shape.props.get(name);
      setOwn(out, name, child && name !== key ? walk(v, child) : v);
    }
    return out;
  };

  const root = shapeOf(schema);
  return (value) => {
    changed = false;
    const out = walk(value, root);
    return { value: out, changed };
  };
}

/** Assignment that keeps a `__proto__` key from JSON as data instead of changing the prototype. */
function setOwn(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * True when every object node under `schema` that declares properties also forbids others. For such a
 * schema a document that validates necessarily uses the canonical spelling, so canonicalising can be
 * skipped on the fast path.
 */
export function isClosedSchema(doc: OpenApiDoc, schema: unknown): boolean {
  const seen = new Set<unknown>();
  const closed = (node: unknown): boolean => {
    if (node === null || typeof node !== 'object') return true;
    const n = deref(doc, node);
    if (seen.has(n)) return true;
    seen.add(n);
    if (n.properties && n.additionalProperties !== false) return false;
    for (const child of Object.values((n.properties ?? {}) as JsonObject)) if (!closed(child)) return false;
    for (const alt of ((n.oneOf ?? n.anyOf ?? n.allOf) as unknown[]) ?? []) if (!closed(alt)) return false;
    return n.items === undefined || closed(n.items);
  };
  return closed(schema);
}

/** Reads a property by its canonical name, falling back to a case-insensitive match. */
export function getProperty(obj: unknown, name: string): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const o = obj as JsonObject;
  if (Object.prototype.hasOwnProperty.call(o, name)) return o[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(o)) if (key.toLowerCase() === lower) return o[key];
  return undefined;
}
