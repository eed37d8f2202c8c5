/** JSON pointers (RFC 6901) into parsed messages. */

export function getPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  let node = value;
  for (const raw of pointer.slice(1).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = Object.prototype.hasOwnProperty.call(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/** Sets the value at an existing pointer; returns whether it was there to set. */
export function setPointer(value: unknown, pointer: string, replacement: unknown): boolean {
  const keys = pointer
    .slice(1)
    .split('/')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop();
  const parent = getPointer(value, keys.length === 0 ? '' : `/${keys.join('/')}`);
  if (
    last === undefined ||
    parent === null ||
    typeof parent !== 'object' ||
    !Object.prototype.hasOwnProperty.call(parent, last)
  )
    return false;
  (parent as Record<string, unknown>)[last] = replacement;
  return true;
}
