/**
 * The mapping table's SCIM paths, one parser for both directions (core/mapping.ts writes along them,
 * core/import.ts reads along them): `name.givenName`, `emails[type=work,primary=true].value`, `addresses[].type`,
 * and an extension attribute behind its URN.
 */

type Obj = Record<string, unknown>;

/** `urn:...:User:department` → [urn, 'department']; `name.givenName` → ['name', 'givenName']. */
export function splitPath(path: string): string[] {
  if (!path.startsWith('urn:')) return path.split('.');
  const i = path.lastIndexOf(':');
  return [path.slice(0, i), ...path.slice(i + 1).split('.')];
}

const SEGMENT = /^([^[\]]+)(?:\[([^\]]*)\])?$/;

/** `emails[type=work]` → { name: 'emails', selector: 'type=work' }; `addresses[]` → selector ''. */
export function parseSegment(segment: string): { name: string; selector?: string } {
  const m = SEGMENT.exec(segment);
  if (!m?.[1]) throw new Error(`bad mapping path segment: ${segment}`);
  return { name: m[1], selector: m[2] };
}

/** `type=work,primary=true` → { type: 'work', primary: true }. */
export function parseSelector(selector: string): Obj {
  const attrs: Obj = {};
  for (const pair of selector.split(',')) {
    const [k = '', v = ''] = pair.split('=').map((s) => s.trim().replace(/^['"]|['"]$/g, ''));
    attrs[k] = v === 'true' ? true : v === 'false' ? false : v;
  }
  return attrs;
}
