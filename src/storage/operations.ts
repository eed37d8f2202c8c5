/**
 * Store operations are plain functions taking the backend's context first; a store is those functions
 * bound to one open context, so each operation can be read (and tested) on its own.
 */
type Operation<C> = (context: C, ...args: never[]) => unknown;

/** The operations as methods: the context argument already given. */
export type Bound<C, T> = {
  [K in keyof T]: T[K] extends (context: C, ...args: infer A) => infer R ? (...args: A) => R : never;
};

export function bindOperations<C, T extends Record<string, Operation<C>>>(context: C, operations: T): Bound<C, T> {
  const methods: Record<string, unknown> = {};
  for (const [name, operation] of Object.entries(operations)) methods[name] = operation.bind(undefined, context);
  return methods as Bound<C, T>;
}
