import { describe, expect, it } from 'vitest';
import { DirectoryUserFields, type DirectoryUser } from '../../core/directory';
import type { LinkState } from '../../core/links';
import type { PatchOperation } from '../../core/mapping';
import {
  type DirectoryFacts,
  deactivationEvent,
  desiredState,
  describeUserStep,
  type InactiveReason,
  type LinkFacts,
  planUser,
  type RemoteFacts,
  resolveMatch,
  type UserPlan,
  type UserPlanInput,
  type UserRules,
  type UserStep,
} from '../../core/plan/user';
import { SCIM_URNS } from '../../core/scim';
import { ScimUser, type ScimUserPayload } from '../../core/scim-user';
import { scimProfile } from '../../targets/scim/profile';
import { SCHEMAS } from '../../targets/slack/facts';
import { slackProfile } from '../../targets/slack/profile';
import type { TargetSettings } from '../../targets/target';

describe('desiredState (U4)', () => {
  const base: DirectoryFacts = { present: true, suspended: false, passwordExpired: false, authorized: true };
  const cases: Array<[Partial<DirectoryFacts>, ReturnType<typeof desiredState>]> = [
    [{}, { active: true }],
    [{ suspended: true }, { active: false, reason: 'suspended' }],
    [{ passwordExpired: true }, { active: false, reason: 'password_expired' }],
    [{ suspended: true, passwordExpired: true }, { active: false, reason: 'suspended' }],
    [{ authorized: false }, { active: false, reason: 'unauthorized' }],
    [{ authorized: false, suspended: true }, { active: false, reason: 'unauthorized' }],
    [{ present: false }, { active: false, reason: 'deleted' }],
    [{ present: false, authorized: false, suspended: true, passwordExpired: true }, { active: false, reason: 'deleted' }],
  ];
  it.each(cases)('%o → %o', (facts, expected) => {
    expect(desiredState({ ...base, ...facts })).toEqual(expected);
  });

  it('only deletion is a delete event', () => {
    expect(deactivationEvent('deleted')).toBe('user_delete_provision');
    for (const r of ['unauthorized', 'suspended', 'password_expired'] as const) expect(deactivationEvent(r)).toBe('user_deprovision');
  });
});

describe('resolveMatch (U2, U6)', () => {
  const active = (id: string) => ({ id, active: true });
  const inactive = (id: string) => ({ id, active: false });
  const none = { linked: null, byUserName: null, byEmail: null };

  it('creates when Slack has no match', () => {
    expect(resolveMatch(undefined, none)).toEqual({ action: 'create' });
  });
  it('keeps the linked account, reactivating it when deactivated', () => {
    expect(resolveMatch({ remoteId: 'U1', state: 'active' }, { ...none, linked: active('U1'), byUserName: active('U2') })).toEqual({ action: 'use', remoteId: 'U1', how: 'linked', reactivate: false });
    expect(resolveMatch({ remoteId: 'U1', state: 'deactivated' }, { ...none, linked: inactive('U1') })).toMatchObject({ remoteId: 'U1', reactivate: true });
  });
  it('adopts a userName match, active or deactivated (the same person coming back)', () => {
    expect(resolveMatch(undefined, { ...none, byUserName: active('U2') })).toEqual({ action: 'use', remoteId: 'U2', how: 'username', reactivate: false });
    expect(resolveMatch(undefined, { ...none, byUserName: inactive('U2'), byEmail: inactive('U2') })).toEqual({ action: 'use', remoteId: 'U2', how: 'username', reactivate: true });
  });
  it('recognises its own creation after a crash', () => {
    expect(resolveMatch({ remoteId: null, state: 'creating' }, { ...none, byUserName: active('U3') })).toMatchObject({ how: 'own_creation' });
  });
  it('adopts an active email match', () => {
    expect(resolveMatch(undefined, { ...none, byEmail: active('U4') })).toEqual({ action: 'use', remoteId: 'U4', how: 'email', reactivate: false });
  });
  it("refuses when a deactivated stranger's account holds the email", () => {
    expect(resolveMatch(undefined, { ...none, byEmail: inactive('U5') })).toEqual({ action: 'refuse', code: 'email_taken', holderId: 'U5' });
  });
  it("reactivates the user's own earlier account found by email", () => {
    expect(resolveMatch({ remoteId: 'U6', state: 'failed' }, { ...none, byEmail: inactive('U6') })).toMatchObject({ action: 'use', remoteId: 'U6', reactivate: true });
  });
});

// ---- fixtures for planUser: the real rule sets, remote users as a target answers them ----

const SETTINGS: TargetSettings = {
  kind: 'slack',
  label: 'Slack',
  usersChooseDisplayName: false,
  plan: 'business_plus',
  deprovision: 'deactivate',
  remoteConfig: null,
  teamDomain: 'acme',
  scimBaseUrl: null,
};

/** Slack Business+: guests are made by hand; Slack never deletes users. */
const slack = slackProfile(SETTINGS);
/** Slack Enterprise Grid: the guest role travels in SCIM. */
const grid = slackProfile({ ...SETTINGS, plan: 'enterprise_grid' });
/** A generic SCIM 2.0 service provider that deactivates deleted users. */
const scim = scimProfile({ ...SETTINGS, kind: 'scim', label: 'Acme SCIM', deprovision: 'deactivate' });
/** A generic SCIM 2.0 service provider that deletes deleted users. */
const scimDeleting = scimProfile({ ...SETTINGS, kind: 'scim', label: 'Acme SCIM', deprovision: 'delete' });

const GUEST_URN = SCHEMAS.guest;

function dirUser(over: Partial<DirectoryUser> = {}): DirectoryUser {
  return { ...DirectoryUserFields.parse({ username: 'ada', email: 'ada@example.test', firstName: 'Ada', lastName: 'Lovelace', jobTitle: 'Engineer' }), id: 'dir-1', ...over };
}

/** An account as the target answers it: `payload` as stored, with an ID, a version and `extra` laid over. */
function account(id: string, payload: ScimUserPayload, extra: Record<string, unknown> = {}): ScimUser {
  return ScimUser.parse({ ...payload, id, meta: { created: '2024-01-01T00:00:00Z', location: `https://target.test/Users/${id}`, version: `W/"${id}-v1"` }, ...extra });
}

/** The guest extension, as Slack shows a multi-channel guest. */
const asGuest = { schemas: [SCIM_URNS.user, GUEST_URN], [GUEST_URN]: { type: 'multi' } };

const nothingFound: RemoteFacts = { linked: null, byUserName: null, byEmail: null };

const activeFacts = (user: DirectoryUser = dirUser()): UserPlanInput['directory'] => ({ present: true, suspended: false, passwordExpired: false, authorized: true, user });

/** Directory facts that make `desiredState` answer `reason`. */
function inactiveFacts(reason: InactiveReason): UserPlanInput['directory'] {
  const user = dirUser();
  switch (reason) {
    case 'deleted':
      return { present: false, suspended: false, passwordExpired: false, authorized: false };
    case 'unauthorized':
      return { present: true, suspended: false, passwordExpired: false, authorized: false, user };
    case 'suspended':
      return { present: true, suspended: true, passwordExpired: false, authorized: true, user: { ...user, suspended: true } };
    case 'password_expired':
      return { present: true, suspended: false, passwordExpired: true, authorized: true, user: { ...user, passwordExpired: true } };
  }
}

const link = (state: LinkState, remoteId: string | null = 'U1', lastErrorCode?: string | null): LinkFacts => ({ state, remoteId, ...(lastErrorCode !== undefined ? { lastErrorCode } : {}) });

/** The plan, failing the test when the planner asks for the target instead. */
function plan(input: UserPlanInput): UserPlan {
  const p = planUser(input);
  if ('needs' in p) throw new Error('the planner asked for the target');
  return p;
}

const REASONS: readonly InactiveReason[] = ['deleted', 'unauthorized', 'suspended', 'password_expired'];

/** The deactivation messages, word for word. */
const DEACTIVATED_TEXT: Record<InactiveReason, string> = {
  deleted: 'the user was deleted from the directory',
  unauthorized: 'no group bound to this connector includes the user any more',
  suspended: 'the user is suspended in the directory',
  password_expired: "the user's password expired",
};

describe('planUser: a user who should be inactive (U4, M3)', () => {
  /** Links by name; "(no account)" links have no remote ID. */
  const LINKS: Record<string, LinkFacts> = {
    none: undefined,
    'pending (no account)': link('pending', null),
    'creating (no account)': link('creating', null),
    'failed (no account)': link('failed', null),
    pending: link('pending'),
    active: link('active'),
    deactivated: link('deactivated'),
    failed: link('failed'),
    stuck: link('stuck'),
    imported: link('imported'),
    needs_action: link('needs_action', 'U1', 'guest_role_manual'),
  };

  type Outcome = 'not_linked' | 'not_managed' | 'already_inactive' | 'deactivate' | 'record' | 'record_gone';
  type RemoteKey = 'unknown' | 'active' | 'inactive' | 'gone';
  const REMOTE_KEYS: readonly RemoteKey[] = ['unknown', 'active', 'inactive', 'gone'];

  /**
   * What happens, by link and by what the target holds for the linked account (unknown: real-time sync
   * does not read; active/inactive/gone: a resync read it). For suspension and expired passwords; for
   * deletion and loss of authorization an imported link is left alone whatever the target holds (M3).
   */
  const MATRIX: Array<[keyof typeof LINKS, Outcome, Outcome, Outcome, Outcome]> = [
    //  link                      remote: unknown       active          inactive            gone
    ['none',                     'not_linked',       'not_linked',   'not_linked',       'not_linked'],
    ['pending (no account)',     'not_linked',       'not_linked',   'not_linked',       'not_linked'],
    ['creating (no account)',    'not_linked',       'not_linked',   'not_linked',       'not_linked'],
    ['failed (no account)',      'not_linked',       'not_linked',   'not_linked',       'not_linked'],
    ['pending',                  'deactivate',       'deactivate',   'record',           'record_gone'],
    ['active',                   'deactivate',       'deactivate',   'record',           'record_gone'],
    ['deactivated',              'already_inactive', 'deactivate',   'already_inactive', 'already_inactive'],
    ['failed',                   'deactivate',       'deactivate',   'record',           'record_gone'],
    ['stuck',                    'deactivate',       'deactivate',   'record',           'record_gone'],
    ['imported',                 'deactivate',       'deactivate',   'record',           'record_gone'],
    ['needs_action',             'deactivate',       'deactivate',   'record',           'record_gone'],
  ];

  function remoteFacts(key: RemoteKey): RemoteFacts | undefined {
    const payload = slack.userPayload(dirUser());
    // Whatever the lookups by userName and email found is never a reason to touch an account.
    const strangers = { byUserName: account('U7', payload), byEmail: account('U8', payload) };
    switch (key) {
      case 'unknown':
        return undefined;
      case 'active':
        return { linked: account('U1', payload), ...strangers };
      case 'inactive':
        return { linked: account('U1', payload, { active: false }), ...strangers };
      case 'gone':
        return { linked: null, ...strangers };
    }
  }

  function expected(outcome: Outcome, reason: InactiveReason, l: LinkFacts): UserPlan {
    const deactivate: UserStep = {
      op: 'deactivate',
      event: reason === 'deleted' ? 'user_delete_provision' : 'user_deprovision',
      remoteId: 'U1',
      reason,
      hardDelete: false,
      message: `Deactivated in Slack: ${DEACTIVATED_TEXT[reason]}.`,
    };
    switch (outcome) {
      case 'not_linked':
        return { result: 'unchanged', reason: 'not_linked', steps: [], remoteId: undefined };
      case 'not_managed':
        return { result: 'unchanged', reason: 'not_managed', steps: [], remoteId: l?.remoteId ?? undefined };
      case 'already_inactive':
        return { result: 'unchanged', reason: 'already_inactive', steps: [], remoteId: 'U1' };
      case 'deactivate':
        return { result: 'deactivated', reason, steps: [deactivate], remoteId: 'U1' };
      case 'record':
        return {
          result: 'deactivated',
          reason,
          steps: [{ op: 'record', state: 'deactivated', remoteId: 'U1', message: `Already inactive in Slack (${DEACTIVATED_TEXT[reason]}); nothing sent.`, event: deactivate.event, outcome: 'success' }],
          remoteId: 'U1',
        };
      case 'record_gone':
        return {
          result: 'deactivated',
          reason,
          steps: [{ op: 'record', state: 'deactivated', remoteId: 'U1', message: `The account is gone from Slack; nothing left to deactivate (${DEACTIVATED_TEXT[reason]}).`, event: deactivate.event, outcome: 'success' }],
          remoteId: 'U1',
        };
    }
  }

  const cases = REASONS.flatMap((reason) =>
    MATRIX.flatMap(([linkKey, ...outcomes]) =>
      REMOTE_KEYS.map((remoteKey, i) => {
        const managedOnlyWhenAuthorized = linkKey === 'imported' && (reason === 'deleted' || reason === 'unauthorized');
        const outcome: Outcome = managedOnlyWhenAuthorized ? 'not_managed' : outcomes[i]!;
        return { reason, linkKey, remoteKey, outcome };
      }),
    ),
  );

  it.each(cases)('$reason, link $linkKey, remote $remoteKey → $outcome', ({ reason, linkKey, remoteKey, outcome }) => {
    const l = LINKS[linkKey];
    const result = planUser({ directory: inactiveFacts(reason), link: l, remote: remoteFacts(remoteKey), rules: slack });
    expect(result).toEqual(expected(outcome, reason, l));
  });

  it('covers every link state', () => {
    const covered = new Set(Object.values(LINKS).map((l) => l?.state));
    expect([...covered].filter(Boolean).sort()).toEqual(['active', 'creating', 'deactivated', 'failed', 'imported', 'needs_action', 'pending', 'stuck']);
  });

  // The rules the matrix proves, one by one.
  it('never deactivates an account it has not linked, even one found by userName or email', () => {
    const payload = slack.userPayload(dirUser());
    const remote = { linked: null, byUserName: account('U2', payload), byEmail: account('U2', payload) };
    expect(plan({ directory: inactiveFacts('suspended'), link: undefined, remote, rules: slack })).toEqual({ result: 'unchanged', reason: 'not_linked', steps: [], remoteId: undefined });
  });

  it('leaves an imported user as they are when deleted or no longer authorized (M3)', () => {
    for (const reason of ['deleted', 'unauthorized'] as const) {
      expect(plan({ directory: inactiveFacts(reason), link: link('imported', 'U5'), rules: slack })).toEqual({ result: 'unchanged', reason: 'not_managed', steps: [], remoteId: 'U5' });
    }
  });

  it('deactivates an imported user who is authorized but suspended or whose password expired', () => {
    for (const reason of ['suspended', 'password_expired'] as const) {
      const p = plan({ directory: inactiveFacts(reason), link: link('imported', 'U5'), rules: slack });
      expect(p).toEqual({
        result: 'deactivated',
        reason,
        steps: [{ op: 'deactivate', event: 'user_deprovision', remoteId: 'U5', reason, hardDelete: false, message: `Deactivated in Slack: ${DEACTIVATED_TEXT[reason]}.` }],
        remoteId: 'U5',
      });
    }
  });

  it('deactivates again a user an admin reactivated in the target behind its back (a resync)', () => {
    const remote = { linked: account('U1', slack.userPayload(dirUser())), byUserName: null, byEmail: null };
    const p = plan({ directory: inactiveFacts('unauthorized'), link: link('deactivated'), remote, rules: slack });
    expect(p.result).toBe('deactivated');
    expect(p.steps).toEqual([
      { op: 'deactivate', event: 'user_deprovision', remoteId: 'U1', reason: 'unauthorized', hardDelete: false, message: 'Deactivated in Slack: no group bound to this connector includes the user any more.' },
    ]);
  });

  it('needs no read of the target to deactivate (real-time sync): the plan comes back at once', () => {
    for (const reason of REASONS) expect('needs' in planUser({ directory: inactiveFacts(reason), link: link('active'), rules: slack })).toBe(false);
  });

  describe('deletion against the target’s rules', () => {
    const rulesets: Array<[string, UserRules, 'delete' | 'deactivate']> = [
      ['Slack (never deletes)', slack, 'deactivate'],
      ['SCIM with deprovision=deactivate', scim, 'deactivate'],
      ['SCIM with deprovision=delete', scimDeleting, 'delete'],
    ];
    const cases2 = rulesets.flatMap(([name, rules, deletion]) => REASONS.map((reason) => ({ name, rules, deletion, reason })));

    it.each(cases2)('$name, $reason: hardDelete only for a deletion on a deleting target', ({ rules, deletion, reason }) => {
      const hardDelete = deletion === 'delete' && reason === 'deleted';
      const target = rules.targetName;
      for (const remote of [undefined, { linked: account('U1', rules.userPayload(dirUser())), byUserName: null, byEmail: null }]) {
        expect(plan({ directory: inactiveFacts(reason), link: link('active'), remote, rules })).toEqual({
          result: 'deactivated',
          reason,
          steps: [
            {
              op: 'deactivate',
              event: reason === 'deleted' ? 'user_delete_provision' : 'user_deprovision',
              remoteId: 'U1',
              reason,
              hardDelete,
              message: `${hardDelete ? 'Deleted' : 'Deactivated'} in ${target}: ${DEACTIVATED_TEXT[reason]}.`,
            },
          ],
          remoteId: 'U1',
        });
      }
    });

    it('names the generic target by its label when the account is gone', () => {
      const p = plan({ directory: inactiveFacts('deleted'), link: link('active'), remote: nothingFound, rules: scimDeleting });
      expect(p.steps).toEqual([
        { op: 'record', state: 'deactivated', remoteId: 'U1', message: 'The account is gone from Acme SCIM; nothing left to deactivate (the user was deleted from the directory).', event: 'user_delete_provision', outcome: 'success' },
      ]);
    });
  });
});

describe('planUser: a user who should be active — refusals before anything is read (U5)', () => {
  const badName = dirUser({ username: 'ada lovelace' });

  it('refuses a user the target would refuse, without asking to read the target', () => {
    const result = planUser({ directory: activeFacts(badName), link: undefined, rules: slack });
    expect(result).toEqual({
      result: 'failed',
      reason: 'username_invalid',
      steps: [],
      refusal: {
        code: 'username_invalid',
        event: 'user_create_provision',
        message:
          'Not sent to Slack: Username "ada lovelace" contains the character a space, which Slack would rewrite (and the user would then no longer match); use only letters, digits, ".", "_" and "-" in the directory.',
      },
    });
  });

  const eventCases: Array<[string, LinkFacts, 'user_create_provision' | 'user_update_provision']> = [
    ['no link', undefined, 'user_create_provision'],
    ['a pending link without an account', link('pending', null), 'user_create_provision'],
    ['a creating link without an account', link('creating', null), 'user_create_provision'],
    ['a failed link without an account', link('failed', null), 'user_create_provision'],
    ['an active link', link('active'), 'user_update_provision'],
    ['a deactivated link', link('deactivated'), 'user_update_provision'],
    ['a failed link with an account', link('failed'), 'user_update_provision'],
    ['a stuck link', link('stuck'), 'user_update_provision'],
    ['an imported link', link('imported'), 'user_update_provision'],
    ['a needs_action link', link('needs_action', 'U1', 'guest_role_manual'), 'user_update_provision'],
  ];
  it.each(eventCases)('with %s the refusal is a %s event', (_name, l, event) => {
    const p = plan({ directory: activeFacts(badName), link: l, rules: slack });
    expect(p.result).toBe('failed');
    expect(p.steps).toEqual([]);
    expect(p.refusal?.event).toBe(event);
  });

  it('refuses even when the target was read and holds the account', () => {
    const remote = { linked: account('U1', slack.userPayload(dirUser())), byUserName: null, byEmail: null };
    expect(plan({ directory: activeFacts(badName), link: link('active'), remote, rules: slack })).toMatchObject({ result: 'failed', reason: 'username_invalid', steps: [] });
  });

  it('names the first problem as the reason and puts every message in the refusal', () => {
    // 21 characters and a space: too long and invalid.
    const u = dirUser({ username: 'ada lovelace-byron-ki' });
    const p = plan({ directory: activeFacts(u), link: undefined, rules: slack });
    const problems = slack.validateUser(u, slack.userPayload(u));
    expect(problems.map((x) => x.code)).toEqual(['username_too_long', 'username_invalid']);
    expect(p).toEqual({
      result: 'failed',
      reason: 'username_too_long',
      steps: [],
      refusal: { code: 'username_too_long', event: 'user_create_provision', message: `Not sent to Slack: ${problems[0]!.message} ${problems[1]!.message}` },
    });
  });

  it('honours the seed’s username limit for Slack: fewer than 21 characters', () => {
    const twenty = dirUser({ username: 'a'.repeat(20) });
    const twentyOne = dirUser({ username: 'a'.repeat(21) });
    expect(planUser({ directory: activeFacts(twenty), link: undefined, rules: slack })).toEqual({ needs: 'remote' });
    expect(plan({ directory: activeFacts(twentyOne), link: undefined, rules: slack })).toMatchObject({ result: 'failed', reason: 'username_too_long' });
    // A generic SCIM target has no such limit.
    expect(planUser({ directory: activeFacts(twentyOne), link: undefined, rules: scim })).toEqual({ needs: 'remote' });
  });

  it('names a generic target by its label in the refusal', () => {
    const u = dirUser({ email: 'not-an-address' });
    expect(plan({ directory: activeFacts(u), link: link('active'), rules: scim })).toEqual({
      result: 'failed',
      reason: 'invalidValue',
      steps: [],
      refusal: { code: 'invalidValue', event: 'user_update_provision', message: 'Not sent to Acme SCIM: The email is not an address.' },
    });
  });

  it('throws when an active user comes without the directory record (a caller bug)', () => {
    const { user: _user, ...facts } = activeFacts();
    expect(() => planUser({ directory: facts, link: undefined, rules: slack })).toThrow(/needs the directory record/);
  });

  const allLinks: Array<[string, LinkFacts]> = [
    ['none', undefined],
    ['pending', link('pending', null)],
    ['creating', link('creating', null)],
    ['active', link('active')],
    ['deactivated', link('deactivated')],
    ['failed', link('failed')],
    ['stuck', link('stuck')],
    ['imported', link('imported')],
    ['needs_action', link('needs_action', 'U1', 'guest_role_manual')],
  ];
  it.each(allLinks)('a valid user with link %s asks to read the target first', (_name, l) => {
    expect(planUser({ directory: activeFacts(), link: l, rules: slack })).toEqual({ needs: 'remote' });
  });
});

describe('planUser: creation (U1)', () => {
  const createLinks: Array<[string, LinkFacts]> = [
    ['no link', undefined],
    ['a pending link', link('pending', null)],
    ['a creating link whose POST never landed', link('creating', null)],
    ['a failed link', link('failed', null)],
    ['an active link whose account is gone from the target', link('active')],
  ];
  it.each(createLinks)('creates the user when the target holds no match (%s)', (_name, l) => {
    const user = dirUser();
    expect(plan({ directory: activeFacts(user), link: l, remote: nothingFound, rules: slack })).toEqual({
      result: 'created',
      reason: 'not_in_target',
      steps: [{ op: 'create', event: 'user_create_provision', payload: slack.userPayload(user), message: 'Created the user in Slack.' }],
    });
  });

  it('names a generic target by its label', () => {
    const user = dirUser();
    expect(plan({ directory: activeFacts(user), link: undefined, remote: nothingFound, rules: scim })).toEqual({
      result: 'created',
      reason: 'not_in_target',
      steps: [{ op: 'create', event: 'user_create_provision', payload: scim.userPayload(user), message: 'Created the user in Acme SCIM.' }],
    });
  });

  it('Business+ guest: creates a member, then records that an admin must make it a guest (U9)', () => {
    const user = dirUser({ guest: true });
    const p = plan({ directory: activeFacts(user), link: undefined, remote: nothingFound, rules: slack });
    expect(p).toEqual({
      result: 'created',
      reason: 'not_in_target',
      steps: [
        { op: 'create', event: 'user_create_provision', payload: slack.userPayload(user), message: 'Created the user in Slack.' },
        {
          op: 'record',
          state: 'needs_action',
          remoteId: null,
          code: 'guest_role_manual',
          message:
            "Created as a full member. The user is a guest in the directory, but Slack Business+ cannot make guests through SCIM (only Enterprise Grid can): in Slack, change this account's role to guest (Manage members → Change account type). Nothing else is pending.",
          event: 'user_update_provision',
          outcome: 'failure',
        },
      ],
    });
    // The payload itself says nothing of guests on Business+.
    expect((p.steps[0] as Extract<UserStep, { op: 'create' }>).payload.schemas).toEqual([SCIM_URNS.user]);
  });

  it('Enterprise Grid guest: one create carrying the guest extension, nothing left to an admin', () => {
    const user = dirUser({ guest: true });
    const p = plan({ directory: activeFacts(user), link: undefined, remote: nothingFound, rules: grid });
    expect(p).toEqual({
      result: 'created',
      reason: 'not_in_target',
      steps: [{ op: 'create', event: 'user_create_provision', payload: grid.userPayload(user), message: 'Created the user in Slack.' }],
    });
    const payload = (p.steps[0] as Extract<UserStep, { op: 'create' }>).payload as Record<string, unknown>;
    expect(payload.schemas).toEqual([SCIM_URNS.user, GUEST_URN]);
    expect(payload[GUEST_URN]).toEqual({ type: 'multi' });
  });

  it('a guest on a generic SCIM target is created like anyone else', () => {
    const user = dirUser({ guest: true });
    expect(plan({ directory: activeFacts(user), link: undefined, remote: nothingFound, rules: scim }).steps).toHaveLength(1);
  });
});

describe('planUser: matching an existing account (U2, U6)', () => {
  const user = dirUser();
  const payload = slack.userPayload(user);
  const lookupMessage = (by: string) => `Found an existing Slack user with the same ${by} and linked it instead of creating a duplicate.`;

  it('adopts an in-step account found by userName', () => {
    const remote = { linked: null, byUserName: account('U2', payload), byEmail: null };
    expect(plan({ directory: activeFacts(user), link: undefined, remote, rules: slack })).toEqual({
      result: 'adopted',
      reason: 'username',
      steps: [{ op: 'adopt', event: 'user_lookup_provision', remoteId: 'U2', how: 'username', message: lookupMessage('username') }],
      remoteId: 'U2',
    });
  });

  it('adopts a userName match for a pending or failed link too (only "creating" means our own POST)', () => {
    for (const l of [link('pending', null), link('failed', null), link('stuck', null)]) {
      const remote = { linked: null, byUserName: account('U2', payload), byEmail: null };
      expect(plan({ directory: activeFacts(user), link: l, remote, rules: slack })).toMatchObject({ result: 'adopted', reason: 'username', steps: [{ op: 'adopt', how: 'username' }] });
    }
  });

  it('adopts a drifted userName match and updates it in the same plan', () => {
    const remote = { linked: null, byUserName: account('U2', payload, { title: 'Analyst' }), byEmail: null };
    expect(plan({ directory: activeFacts(user), link: undefined, remote, rules: slack })).toEqual({
      result: 'updated',
      reason: 'username',
      steps: [
        { op: 'adopt', event: 'user_lookup_provision', remoteId: 'U2', how: 'username', message: lookupMessage('username') },
        { op: 'update', event: 'user_update_provision', remoteId: 'U2', operations: [{ op: 'replace', path: 'title', value: 'Engineer' }], reactivate: false, version: 'W/"U2-v1"', message: 'Updated in Slack: title.' },
      ],
      remoteId: 'U2',
    });
  });

  it('adopts and reactivates a deactivated userName match: the same person coming back', () => {
    const remote = { linked: null, byUserName: account('U2', payload, { active: false }), byEmail: null };
    expect(plan({ directory: activeFacts(user), link: undefined, remote, rules: slack })).toEqual({
      result: 'reactivated',
      reason: 'username',
      steps: [
        { op: 'adopt', event: 'user_lookup_provision', remoteId: 'U2', how: 'username', message: lookupMessage('username') },
        { op: 'update', event: 'user_update_provision', remoteId: 'U2', operations: [{ op: 'replace', path: 'active', value: true }], reactivate: true, version: 'W/"U2-v1"', message: 'Reactivated the Slack user (active).' },
      ],
      remoteId: 'U2',
    });
  });

  it('adopts an active account found by email, and gives it the directory’s username', () => {
    const remote = { linked: null, byUserName: null, byEmail: account('U3', { ...payload, userName: 'ada.l' }) };
    expect(plan({ directory: activeFacts(user), link: undefined, remote, rules: slack })).toEqual({
      result: 'updated',
      reason: 'email',
      steps: [
        { op: 'adopt', event: 'user_lookup_provision', remoteId: 'U3', how: 'email', message: lookupMessage('email') },
        { op: 'update', event: 'user_update_provision', remoteId: 'U3', operations: [{ op: 'replace', path: 'userName', value: 'ada' }], reactivate: false, version: 'W/"U3-v1"', message: 'Updated in Slack: userName.' },
      ],
      remoteId: 'U3',
    });
  });

  it('adopts an email match that needs no change (userName differs only in case)', () => {
    const remote = { linked: null, byUserName: null, byEmail: account('U3', { ...payload, userName: 'ADA' }) };
    expect(plan({ directory: activeFacts(user), link: undefined, remote, rules: slack })).toEqual({
      result: 'adopted',
      reason: 'email',
      steps: [{ op: 'adopt', event: 'user_lookup_provision', remoteId: 'U3', how: 'email', message: lookupMessage('email') }],
      remoteId: 'U3',
    });
  });

  it("reactivates the user's own earlier account found by email (the link names it)", () => {
    const remote = { linked: null, byUserName: null, byEmail: account('U6', { ...payload, userName: 'ada.old' }, { active: false }) };
    const p = plan({ directory: activeFacts(user), link: link('failed', 'U6'), remote, rules: slack });
    expect(p).toEqual({
      result: 'reactivated',
      reason: 'email',
      steps: [
        { op: 'adopt', event: 'user_lookup_provision', remoteId: 'U6', how: 'email', message: lookupMessage('email') },
        {
          op: 'update',
          event: 'user_update_provision',
          remoteId: 'U6',
          operations: [
            { op: 'replace', path: 'userName', value: 'ada' },
            { op: 'replace', path: 'active', value: true },
          ],
          reactivate: true,
          version: 'W/"U6-v1"',
          message: 'Reactivated the Slack user (userName, active).',
        },
      ],
      remoteId: 'U6',
    });
  });

  it('recognises its own creation: a creating link and a userName match is a create confirmed after a retry', () => {
    const remote = { linked: null, byUserName: account('U4', payload), byEmail: null };
    expect(plan({ directory: activeFacts(user), link: link('creating', null), remote, rules: slack })).toEqual({
      result: 'created',
      reason: 'own_creation',
      steps: [{ op: 'adopt', event: 'user_create_provision', remoteId: 'U4', how: 'own_creation', message: 'Created the user in Slack (confirmed after a retry).' }],
      remoteId: 'U4',
    });
  });

  it('its own creation that drifted since is adopted and updated', () => {
    const remote = { linked: null, byUserName: account('U4', payload, { title: null }), byEmail: null };
    expect(plan({ directory: activeFacts(user), link: link('creating', null), remote, rules: slack })).toEqual({
      result: 'updated',
      reason: 'own_creation',
      steps: [
        { op: 'adopt', event: 'user_create_provision', remoteId: 'U4', how: 'own_creation', message: 'Created the user in Slack (confirmed after a retry).' },
        { op: 'update', event: 'user_update_provision', remoteId: 'U4', operations: [{ op: 'replace', path: 'title', value: 'Engineer' }], reactivate: false, version: 'W/"U4-v1"', message: 'Updated in Slack: title.' },
      ],
      remoteId: 'U4',
    });
  });

  it('a creating link with only an email match is an adoption by email, not its own creation', () => {
    const remote = { linked: null, byUserName: null, byEmail: account('U3', { ...payload, userName: 'ADA' }) };
    expect(plan({ directory: activeFacts(user), link: link('creating', null), remote, rules: slack })).toMatchObject({
      result: 'adopted',
      reason: 'email',
      steps: [{ op: 'adopt', event: 'user_lookup_provision', how: 'email' }],
    });
  });

  const takenCases: Array<[string, LinkFacts]> = [
    ['no link', undefined],
    ['a failed link', link('failed', null)],
    ['a link to an account gone from the target', link('active', 'U1')],
  ];
  it.each(takenCases)('refuses when a deactivated stranger holds the email (%s): email_taken', (_name, l) => {
    const remote = { linked: null, byUserName: null, byEmail: account('U9', { ...payload, userName: 'someone' }, { active: false }) };
    expect(plan({ directory: activeFacts(user), link: l, remote, rules: slack })).toEqual({
      result: 'failed',
      reason: 'email_taken',
      steps: [],
      refusal: {
        code: 'email_taken',
        event: 'user_create_provision',
        message:
          "Slack account U9 is deactivated but still holds this user's email, so Slack refuses a new account with it. In Slack, change that account's email by hand (or give it this user's username if it is their earlier account), then sync again.",
      },
    });
  });

  it('prefers the linked account over any match by userName or email', () => {
    const remote = { linked: account('U1', payload), byUserName: account('U2', payload), byEmail: account('U3', payload, { active: false }) };
    expect(plan({ directory: activeFacts(user), link: link('active'), remote, rules: slack })).toEqual({ result: 'unchanged', reason: 'in_step', steps: [], remoteId: 'U1' });
  });
});

describe('planUser: the linked account (U3)', () => {
  const user = dirUser();
  const payload = slack.userPayload(user);
  const linked = (extra: Record<string, unknown> = {}, id = 'U1'): RemoteFacts => ({ linked: account(id, payload, extra), byUserName: null, byEmail: null });

  it('does nothing when the link is active, names the same account and the account is in step', () => {
    expect(plan({ directory: activeFacts(user), link: link('active'), remote: linked(), rules: slack })).toEqual({ result: 'unchanged', reason: 'in_step', steps: [], remoteId: 'U1' });
  });

  const recordCases: Array<[string, LinkFacts]> = [
    ['pending', link('pending')],
    ['creating', link('creating')],
    ['deactivated (reactivated in the target by hand)', link('deactivated')],
    ['failed', link('failed')],
    ['stuck', link('stuck')],
    ['imported (now authorized: managed from now on)', link('imported')],
    ['needs_action (the admin made the change)', link('needs_action', 'U1', 'guest_role_manual')],
  ];
  it.each(recordCases)('records the link active when it says %s and the account is in step', (_name, l) => {
    expect(plan({ directory: activeFacts(user), link: l, remote: linked(), rules: slack })).toEqual({
      result: 'unchanged',
      reason: 'in_step',
      steps: [{ op: 'record', state: 'active', remoteId: 'U1' }],
      remoteId: 'U1',
    });
  });

  it('records the link active when it names another account than the one read', () => {
    expect(plan({ directory: activeFacts(user), link: link('active', 'U0'), remote: linked(), rules: slack })).toEqual({
      result: 'unchanged',
      reason: 'in_step',
      steps: [{ op: 'record', state: 'active', remoteId: 'U1' }],
      remoteId: 'U1',
    });
  });

  it('sends only the attributes that drifted, with the version last read', () => {
    const remote = linked({ name: { givenName: 'Augusta', familyName: 'Lovelace' }, title: 'Countess', meta: { version: 'W/"7"' } });
    expect(plan({ directory: activeFacts(user), link: link('active'), remote, rules: slack })).toEqual({
      result: 'updated',
      reason: 'drifted',
      steps: [
        {
          op: 'update',
          event: 'user_update_provision',
          remoteId: 'U1',
          operations: [
            { op: 'replace', path: 'name.givenName', value: 'Ada' },
            { op: 'replace', path: 'title', value: 'Engineer' },
          ],
          reactivate: false,
          version: 'W/"7"',
          message: 'Updated in Slack: name.givenName, title.',
        },
      ],
      remoteId: 'U1',
    });
  });

  it('removes a list the directory emptied, and replaces a scalar it blanked with ""', () => {
    const remote = linked({ phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work' }] });
    const blanked = dirUser({ jobTitle: '' });
    const p = plan({ directory: activeFacts(blanked), link: link('active'), remote, rules: slack });
    expect(p.steps).toEqual([
      {
        op: 'update',
        event: 'user_update_provision',
        remoteId: 'U1',
        operations: [
          { op: 'replace', path: 'title', value: '' },
          { op: 'remove', path: 'phoneNumbers' },
        ],
        reactivate: false,
        version: 'W/"U1-v1"',
        message: 'Updated in Slack: title, phoneNumbers.',
      },
    ]);
  });

  it('has no version when the target reports none (null or no meta)', () => {
    const noMeta = { linked: ScimUser.parse({ ...payload, id: 'U1', title: 'Countess' }), byUserName: null, byEmail: null };
    const updateOf = (p: UserPlan) => p.steps[0] as Extract<UserStep, { op: 'update' }>;
    expect(updateOf(plan({ directory: activeFacts(user), link: link('active'), remote: noMeta, rules: slack })).version).toBeUndefined();
    expect(updateOf(plan({ directory: activeFacts(user), link: link('active'), remote: linked({ title: 'Countess', meta: { version: null } }), rules: slack })).version).toBeNull();
  });

  it('drift is judged by the target’s rules: Slack ignores a middle name it does not report, SCIM does not', () => {
    const withMiddle = dirUser({ middleName: 'King' });
    const slackRemote = { linked: account('U1', slack.userPayload(user)), byUserName: null, byEmail: null };
    expect(plan({ directory: activeFacts(withMiddle), link: link('active'), remote: slackRemote, rules: slack })).toEqual({ result: 'unchanged', reason: 'in_step', steps: [], remoteId: 'U1' });
    const scimRemote = { linked: account('U1', scim.userPayload(user)), byUserName: null, byEmail: null };
    expect(plan({ directory: activeFacts(withMiddle), link: link('active'), remote: scimRemote, rules: scim })).toEqual({
      result: 'updated',
      reason: 'drifted',
      steps: [
        { op: 'update', event: 'user_update_provision', remoteId: 'U1', operations: [{ op: 'replace', path: 'name.middleName', value: 'King' }], reactivate: false, version: 'W/"U1-v1"', message: 'Updated in Acme SCIM: name.middleName.' },
      ],
      remoteId: 'U1',
    });
  });

  const reactivateLinks: Array<[string, LinkFacts]> = [
    ['deactivated', link('deactivated')],
    ['active (deactivated in the target by hand)', link('active')],
    ['failed', link('failed')],
  ];
  it.each(reactivateLinks)('reactivates a deactivated linked account (link %s)', (_name, l) => {
    expect(plan({ directory: activeFacts(user), link: l, remote: linked({ active: false }), rules: slack })).toEqual({
      result: 'reactivated',
      reason: 'drifted',
      steps: [{ op: 'update', event: 'user_update_provision', remoteId: 'U1', operations: [{ op: 'replace', path: 'active', value: true }], reactivate: true, version: 'W/"U1-v1"', message: 'Reactivated the Slack user (active).' }],
      remoteId: 'U1',
    });
  });

  it('reactivates and brings drifted attributes in step in one PATCH', () => {
    const p = plan({ directory: activeFacts(user), link: link('deactivated'), remote: linked({ active: false, title: 'Former' }), rules: slack });
    expect(p).toMatchObject({ result: 'reactivated', reason: 'drifted', remoteId: 'U1' });
    expect(p.steps).toEqual([
      {
        op: 'update',
        event: 'user_update_provision',
        remoteId: 'U1',
        operations: [
          { op: 'replace', path: 'active', value: true },
          { op: 'replace', path: 'title', value: 'Engineer' },
        ],
        reactivate: true,
        version: 'W/"U1-v1"',
        message: 'Reactivated the Slack user (active, title).',
      },
    ]);
  });
});

describe('planUser: the guest role (U9)', () => {
  const guest = dirUser({ guest: true });
  const member = dirUser();
  const GUEST_BY_HAND =
    "The user is a guest in the directory, but Slack Business+ cannot make guests through SCIM (only Enterprise Grid can): in Slack, change this account's role to guest (Manage members → Change account type). Nothing else is pending.";
  const MEMBER_BY_HAND =
    "The user is no longer a guest in the directory, but Slack Business+ cannot change a guest's role through SCIM: in Slack, change this account's role to full member (Manage members → Change account type).";

  /** A Slack account: a full member, or a guest (with the guest extension). */
  const slackAccount = (role: 'member' | 'guest', extra: Record<string, unknown> = {}, id = 'U1') =>
    account(id, slack.userPayload(member), { ...(role === 'guest' ? asGuest : {}), ...extra });
  const linkedTo = (a: ScimUser): RemoteFacts => ({ linked: a, byUserName: null, byEmail: null });

  describe('Enterprise Grid: the role travels in the PATCH', () => {
    it('makes a member a guest by adding the guest extension', () => {
      expect(plan({ directory: activeFacts(guest), link: link('active'), remote: linkedTo(slackAccount('member')), rules: grid })).toEqual({
        result: 'updated',
        reason: 'drifted',
        steps: [
          { op: 'update', event: 'user_update_provision', remoteId: 'U1', operations: [{ op: 'add', path: GUEST_URN, value: { type: 'multi' } }], reactivate: false, version: 'W/"U1-v1"', message: `Updated in Slack: ${GUEST_URN}.` },
        ],
        remoteId: 'U1',
      });
    });

    it('makes a guest a member by removing the guest extension', () => {
      expect(plan({ directory: activeFacts(member), link: link('active'), remote: linkedTo(slackAccount('guest')), rules: grid })).toEqual({
        result: 'updated',
        reason: 'drifted',
        steps: [{ op: 'update', event: 'user_update_provision', remoteId: 'U1', operations: [{ op: 'remove', path: GUEST_URN }], reactivate: false, version: 'W/"U1-v1"', message: `Updated in Slack: ${GUEST_URN}.` }],
        remoteId: 'U1',
      });
    });

    it('puts the role change after the attribute changes, in the same PATCH', () => {
      const p = plan({ directory: activeFacts(guest), link: link('active'), remote: linkedTo(slackAccount('member', { title: 'Visitor' })), rules: grid });
      expect((p.steps[0] as Extract<UserStep, { op: 'update' }>).operations).toEqual([
        { op: 'replace', path: 'title', value: 'Engineer' },
        { op: 'add', path: GUEST_URN, value: { type: 'multi' } },
      ]);
    });

    it('a guest who is a guest already is in step', () => {
      expect(plan({ directory: activeFacts(guest), link: link('active'), remote: linkedTo(slackAccount('guest')), rules: grid })).toEqual({ result: 'unchanged', reason: 'in_step', steps: [], remoteId: 'U1' });
    });
  });

  describe('Business+: an admin changes the role by hand', () => {
    const needsAction = (code: string, message: string, id = 'U1'): UserStep => ({ op: 'record', state: 'needs_action', remoteId: id, code, message, event: 'user_update_provision', outcome: 'failure' });

    it('a directory guest who is a member in Slack: needs_action, guest_role_manual', () => {
      expect(plan({ directory: activeFacts(guest), link: link('active'), remote: linkedTo(slackAccount('member')), rules: slack })).toEqual({
        result: 'needs_action',
        reason: 'guest_role_manual',
        steps: [needsAction('guest_role_manual', GUEST_BY_HAND)],
        remoteId: 'U1',
      });
    });

    it('a directory member who is a guest in Slack: needs_action, member_role_manual', () => {
      expect(plan({ directory: activeFacts(member), link: link('active'), remote: linkedTo(slackAccount('guest')), rules: slack })).toEqual({
        result: 'needs_action',
        reason: 'member_role_manual',
        steps: [needsAction('member_role_manual', MEMBER_BY_HAND)],
        remoteId: 'U1',
      });
    });

    it('sends no PATCH for the role: nothing in the plan touches the guest extension', () => {
      const p = plan({ directory: activeFacts(guest), link: link('active'), remote: linkedTo(slackAccount('member')), rules: slack });
      expect(p.steps.every((s) => s.op === 'record')).toBe(true);
    });

    it('records nothing again when the link already says needs_action with the same code and account', () => {
      expect(plan({ directory: activeFacts(guest), link: link('needs_action', 'U1', 'guest_role_manual'), remote: linkedTo(slackAccount('member')), rules: slack })).toEqual({
        result: 'needs_action',
        reason: 'guest_role_manual',
        steps: [],
        remoteId: 'U1',
      });
    });

    const tellAgain: Array<[string, LinkFacts]> = [
      ['the link is active', link('active', 'U1', null)],
      ['the link says needs_action with another code', link('needs_action', 'U1', 'member_role_manual')],
      ['the link says needs_action with no code', link('needs_action', 'U1', null)],
      ['the link says needs_action for another account', link('needs_action', 'U0', 'guest_role_manual')],
      ['the link is failed with the same code', link('failed', 'U1', 'guest_role_manual')],
      ['the link is imported', link('imported', 'U1')],
    ];
    it.each(tellAgain)('records needs_action when %s', (_name, l) => {
      expect(plan({ directory: activeFacts(guest), link: l, remote: linkedTo(slackAccount('member')), rules: slack })).toEqual({
        result: 'needs_action',
        reason: 'guest_role_manual',
        steps: [needsAction('guest_role_manual', GUEST_BY_HAND)],
        remoteId: 'U1',
      });
    });

    it('updates drifted attributes, then records needs_action: the result is updated, the reason the code', () => {
      const p = plan({ directory: activeFacts(guest), link: link('active'), remote: linkedTo(slackAccount('member', { title: 'Visitor' })), rules: slack });
      expect(p).toEqual({
        result: 'updated',
        reason: 'guest_role_manual',
        steps: [
          { op: 'update', event: 'user_update_provision', remoteId: 'U1', operations: [{ op: 'replace', path: 'title', value: 'Engineer' }], reactivate: false, version: 'W/"U1-v1"', message: 'Updated in Slack: title.' },
          needsAction('guest_role_manual', GUEST_BY_HAND),
        ],
        remoteId: 'U1',
      });
    });

    it('reactivates, then records needs_action: the result is reactivated', () => {
      const p = plan({ directory: activeFacts(guest), link: link('deactivated'), remote: linkedTo(slackAccount('member', { active: false })), rules: slack });
      expect(p).toEqual({
        result: 'reactivated',
        reason: 'guest_role_manual',
        steps: [
          { op: 'update', event: 'user_update_provision', remoteId: 'U1', operations: [{ op: 'replace', path: 'active', value: true }], reactivate: true, version: 'W/"U1-v1"', message: 'Reactivated the Slack user (active).' },
          needsAction('guest_role_manual', GUEST_BY_HAND),
        ],
        remoteId: 'U1',
      });
    });

    it('adopts a member account found by userName, then records needs_action', () => {
      const remote = { linked: null, byUserName: slackAccount('member', {}, 'U2'), byEmail: null };
      expect(plan({ directory: activeFacts(guest), link: undefined, remote, rules: slack })).toEqual({
        result: 'needs_action',
        reason: 'guest_role_manual',
        steps: [
          { op: 'adopt', event: 'user_lookup_provision', remoteId: 'U2', how: 'username', message: 'Found an existing Slack user with the same username and linked it instead of creating a duplicate.' },
          needsAction('guest_role_manual', GUEST_BY_HAND, 'U2'),
        ],
        remoteId: 'U2',
      });
    });

    it('a drift while already told still ends in needs_action (the update would leave the link active), without telling again', () => {
      const p = plan({ directory: activeFacts(guest), link: link('needs_action', 'U1', 'guest_role_manual'), remote: linkedTo(slackAccount('member', { title: 'Visitor' })), rules: slack });
      expect(p).toMatchObject({ result: 'updated', reason: 'guest_role_manual', remoteId: 'U1' });
      expect(p.steps.map((s) => s.op)).toEqual(['update', 'record']);
      expect(p.steps.at(-1)).toEqual({ op: 'record', state: 'needs_action', remoteId: 'U1', code: 'guest_role_manual', message: GUEST_BY_HAND });
    });

    it('a guest who is a guest already needs nothing', () => {
      expect(plan({ directory: activeFacts(guest), link: link('active'), remote: linkedTo(slackAccount('guest')), rules: slack })).toEqual({ result: 'unchanged', reason: 'in_step', steps: [], remoteId: 'U1' });
    });

    it('a generic SCIM target never asks an admin for a role change', () => {
      const remote = linkedTo(account('U1', scim.userPayload(member), asGuest));
      expect(plan({ directory: activeFacts({ ...member, guest: true }), link: link('active'), remote, rules: scim })).toEqual({ result: 'unchanged', reason: 'in_step', steps: [], remoteId: 'U1' });
    });
  });
});

describe('describeUserStep', () => {
  const user = dirUser({ phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work' }] });
  const payload = slack.userPayload(user);

  it('a create is a POST /Users naming every attribute sent but the schemas', () => {
    expect(describeUserStep({ op: 'create', event: 'user_create_provision', payload, message: 'x' })).toEqual({
      method: 'POST',
      path: '/Users',
      attributes: ['externalId', 'userName', 'name', 'title', 'active', 'emails', 'phoneNumbers'],
    });
  });

  it('an update is a PATCH naming each operation’s path, "(several)" for one without a path', () => {
    const operations: PatchOperation[] = [
      { op: 'replace', path: 'title', value: 'Engineer' },
      { op: 'replace', value: { active: true } },
      { op: 'remove', path: 'phoneNumbers' },
    ];
    expect(describeUserStep({ op: 'update', event: 'user_update_provision', remoteId: 'U1', operations, reactivate: false, message: 'x' })).toEqual({
      method: 'PATCH',
      path: '/Users/U1',
      attributes: ['title', '(several)', 'phoneNumbers'],
    });
  });

  it('a deactivation is the target\'s: a DELETE in Slack, a PATCH of active elsewhere; a hard delete a DELETE', () => {
    const step = { op: 'deactivate', event: 'user_deprovision', remoteId: 'U1', reason: 'suspended', message: 'x' } as const;
    expect(describeUserStep({ ...step, hardDelete: false })).toEqual({ method: 'DELETE', path: '/Users/U1', attributes: ['active'] });
    expect(describeUserStep({ ...step, hardDelete: false }, 'patch')).toEqual({ method: 'PATCH', path: '/Users/U1', attributes: ['active'] });
    expect(describeUserStep({ ...step, event: 'user_delete_provision', reason: 'deleted', hardDelete: true }, 'patch')).toEqual({ method: 'DELETE', path: '/Users/U1', attributes: [] });
  });

  it('an adoption and a record send nothing', () => {
    expect(describeUserStep({ op: 'adopt', event: 'user_lookup_provision', remoteId: 'U1', how: 'username', message: 'x' })).toBeUndefined();
    expect(describeUserStep({ op: 'record', state: 'active', remoteId: 'U1' })).toBeUndefined();
  });

  it('describes the steps of real plans', () => {
    const created = plan({ directory: activeFacts(user), link: undefined, remote: nothingFound, rules: slack });
    expect(created.steps.map((s) => describeUserStep(s))).toEqual([{ method: 'POST', path: '/Users', attributes: ['externalId', 'userName', 'name', 'title', 'active', 'emails', 'phoneNumbers'] }]);
    const deleted = plan({ directory: inactiveFacts('deleted'), link: link('active'), rules: scimDeleting });
    expect(deleted.steps.map((s) => describeUserStep(s, 'patch'))).toEqual([{ method: 'DELETE', path: '/Users/U1', attributes: [] }]);
  });
});
