import { randomBytes } from 'node:crypto';

/** Prefixed random IDs (96 bits), readable in workflow IDs: `usr_…`, `con_…`, `grp_…`. */
export const ID_PREFIXES = { user: 'usr', connector: 'con', group: 'grp', hold: 'hld', run: 'run', plan: 'pln', import: 'imp', ssoKey: 'key' } as const;

export function newId(kind: keyof typeof ID_PREFIXES): string {
  return `${ID_PREFIXES[kind]}_${randomBytes(12).toString('hex')}`;
}
