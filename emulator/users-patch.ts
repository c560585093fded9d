/**
 * A v2 PatchOp applied to a user resource the way Slack reads it. Standard paths go to scim-patch;
 * the forms Slack documents that scim-patch reads otherwise are handled here: whole extensions,
 * `…:manager.managerId`, removing emails (the primary never goes), one object where an array is
 * expected, roles as plain strings, and a value added as primary. The result is validated by the caller.
 */
import { scimPatch, patchBodyValidation, ScimError, type ScimPatch, type ScimResource } from 'scim-patch';
import { SCHEMAS } from '../targets/slack/facts';
import { SlackError } from './errors';

type Json = Record<string, unknown>;
type PatchOperation = ScimPatch['Operations'][number];

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Extension URNs a PatchOp may address as a whole (scim-patch reads such a path as `<urn up to the last colon>` + attribute). */
const EXTENSIONS = [SCHEMAS.enterprise, SCHEMAS.profile, SCHEMAS.guest];

function extensionUrn(key: string): string | undefined {
  return EXTENSIONS.find((urn) => urn.toLowerCase() === key.trim().toLowerCase());
}

/** add merges into the extension object, replace sets it, remove deletes it. */
function applyToExtension(doc: Json, op: string, urn: string, value: unknown): void {
  if (op === 'remove') {
    delete doc[urn];
    return;
  }
  if (!isPlainObject(value)) throw new SlackError('invalid_request_payload', { message: `${urn} needs an object value` });
  const current = doc[urn];
  doc[urn] = op === 'add' && isPlainObject(current) ? { ...current, ...value } : { ...value };
}

const CORE_PREFIX = `${SCHEMAS.user}:`.toLowerCase();

/** A path or value key without the optional core User URN prefix. */
function bareAttribute(key: string): string {
  const k = key.trim();
  return k.toLowerCase().startsWith(CORE_PREFIX) ? k.slice(CORE_PREFIX.length) : k;
}

/** The multi-valued attributes Slack stores (`groups` is read-only). */
const MULTI_VALUED = ['emails', 'phoneNumbers', 'addresses', 'photos', 'roles'] as const;

/** The multi-valued attribute a path or key names as a whole (no filter, no sub-attribute). */
function multiValued(key: string): string | undefined {
  const attr = bareAttribute(key).toLowerCase();
  return MULTI_VALUED.find((a) => a.toLowerCase() === attr);
}

/** Slack also takes one object for an array of one, and roles as plain strings (`"admin"`, `["admin"]`). */
function slackValueForm(attr: string, value: unknown): unknown {
  let v = value;
  if (attr === 'roles') {
    if (typeof v === 'string') v = [v];
    if (Array.isArray(v)) v = v.map((r: unknown) => (typeof r === 'string' ? { value: r } : r));
  }
  return isPlainObject(v) ? [v] : v;
}

/** RFC 7644 §3.5.2: a value added with primary:true takes the flag from the values already there. */
function yieldPrimary(doc: Json, attr: string, added: unknown): void {
  if (!Array.isArray(added) || !added.some((v) => isPlainObject(v) && v.primary === true)) return;
  const current = doc[attr];
  if (Array.isArray(current)) for (const v of current) if (isPlainObject(v) && v.primary === true) v.primary = false;
}

function primaryEmail(doc: Json): unknown {
  const emails = Array.isArray(doc.emails) ? doc.emails : [];
  return emails.find((e): e is Json => isPlainObject(e) && e.primary === true)?.value;
}

/**
 * `remove` on `emails` removes what Slack can remove, the secondary email; the primary is never
 * removed [spec §3], so with nothing else to remove the request is missing_primary_email.
 */
function removeSecondaryEmails(doc: Json): void {
  const emails = Array.isArray(doc.emails) ? doc.emails : [];
  const kept = emails.filter((e) => isPlainObject(e) && e.primary === true);
  if (kept.length === 0 || kept.length === emails.length) throw new SlackError('missing_primary_email');
  doc.emails = kept;
}

const MANAGER_ID_PATH = `${SCHEMAS.enterprise}:manager.managerId`.toLowerCase();

/** A manager is only its managerId in Slack: removing the id removes the manager. */
function removeManager(doc: Json): void {
  const enterprise = doc[SCHEMAS.enterprise];
  if (isPlainObject(enterprise)) delete enterprise.manager;
}

/**
 * Applies a v2 PatchOp body to `doc` (mutated and returned), in the body's order. A malformed body
 * or operation is Slack's invalid_request_payload.
 */
export function applyUserPatch(doc: Json, body: unknown): Json {
  try {
    patchBodyValidation(body as ScimPatch);
    let current = doc;
    const apply = (op: PatchOperation) => {
      current = scimPatch(current as unknown as ScimResource, [op], { mutateDocument: true, treatMissingAsAdd: true }) as unknown as Json;
    };
    for (const op of (body as ScimPatch).Operations) {
      const kind = op.op.toLowerCase();
      const raw = op as { path?: unknown; value?: unknown };
      const path = typeof raw.path === 'string' ? raw.path : undefined;
      const urn = path !== undefined ? extensionUrn(path) : undefined;
      const attr = path !== undefined ? multiValued(path) : undefined;
      if (urn) {
        applyToExtension(current, kind, urn, raw.value);
      } else if (kind === 'remove' && path?.trim().toLowerCase() === MANAGER_ID_PATH) {
        removeManager(current);
      } else if (kind === 'remove' && attr === 'emails') {
        removeSecondaryEmails(current);
      } else if (kind === 'remove' && path !== undefined && /^emails\s*[[.]/i.test(bareAttribute(path))) {
        // A filtered remove (`emails[…]`, `emails[…].value`) may take anything but the primary.
        const primary = primaryEmail(current);
        apply(op);
        if (primaryEmail(current) !== primary) throw new SlackError('missing_primary_email');
      } else if (attr !== undefined && kind !== 'remove') {
        const value = slackValueForm(attr, raw.value);
        if (kind === 'add') yieldPrimary(current, attr, value);
        apply({ ...op, value } as PatchOperation);
      } else if (path === undefined && isPlainObject(raw.value)) {
        const rest: Json = {};
        for (const [key, value] of Object.entries(raw.value)) {
          const keyUrn = extensionUrn(key);
          const keyAttr = multiValued(key);
          if (keyUrn) {
            applyToExtension(current, kind, keyUrn, value);
          } else if (keyAttr !== undefined) {
            rest[key] = slackValueForm(keyAttr, value);
            if (kind === 'add') yieldPrimary(current, keyAttr, rest[key]);
          } else {
            rest[key] = value;
          }
        }
        if (Object.keys(rest).length > 0) apply({ ...op, value: rest } as PatchOperation);
      } else {
        apply(op);
      }
    }
    return current;
  } catch (err) {
    if (err instanceof ScimError || err instanceof TypeError) {
      throw new SlackError('invalid_request_payload', { message: err.message });
    }
    throw err;
  }
}
