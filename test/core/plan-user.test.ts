import { describe, expect, it } from 'vitest';
import { type DirectoryFacts, deactivationEvent, desiredState, resolveMatch } from '../../core/plan/user';

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
