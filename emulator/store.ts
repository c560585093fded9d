/**
 * In-memory state of one emulated Slack org: users with their uniqueness indexes, groups, channel
 * names (which share the username namespace), the team's custom profile fields and the plan.
 */
import { randomInt } from 'node:crypto';
import type { StoredGroup } from './groups';
import type { StoredUser } from './users';

/** Business+ has no multi-channel guests through SCIM; Enterprise Grid does [spec §8]. */
export type Plan = 'business_plus' | 'enterprise_grid';
export const DEFAULT_PLAN: Plan = 'enterprise_grid';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Slack-looking ID: prefix + 10 uppercase alphanumerics (users `U…`, groups `S…`). */
export function slackId(prefix: string): string {
  let id = prefix;
  for (let i = 0; i < 10; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

export class Store {
  /** Insertion order is creation order, which list pages follow. */
  readonly users = new Map<string, StoredUser>();
  private readonly byUserName = new Map<string, string>();
  private readonly byEmail = new Map<string, string>();
  /** Insertion order is creation order, which list pages follow. */
  readonly groups = new Map<string, StoredGroup>();
  readonly channels = new Set<string>();
  /** Custom profile field names created through SCIM; Slack never deletes them once created. */
  readonly profileFields = new Set<string>();
  /** Custom fields the team already had before SCIM (set by a test control). */
  presetProfileFieldCount = 0;
  plan: Plan = DEFAULT_PLAN;

  reset(): void {
    this.users.clear();
    this.groups.clear();
    this.byUserName.clear();
    this.byEmail.clear();
    this.channels.clear();
    this.profileFields.clear();
    this.presetProfileFieldCount = 0;
    this.plan = DEFAULT_PLAN;
  }

  newUserId(): string {
    let id: string;
    do id = slackId('U');
    while (this.users.has(id));
    return id;
  }

  newGroupId(): string {
    let id: string;
    do id = slackId('S');
    while (this.groups.has(id));
    return id;
  }

  /** Takes a user out of every group (Slack does so when a user is deactivated or becomes a guest). */
  removeFromAllGroups(userId: string): void {
    for (const g of this.groups.values()) g.members.delete(userId);
  }

  /** ID of the user holding this userName (case-insensitive), if any. */
  userIdByName(userName: string): string | undefined {
    return this.byUserName.get(userName.toLowerCase());
  }

  /** ID of the user holding this email as primary or secondary (case-insensitive), deactivated or not. */
  userIdByEmail(email: string): string | undefined {
    return this.byEmail.get(email.toLowerCase());
  }

  hasChannel(name: string): boolean {
    return this.channels.has(name.toLowerCase());
  }

  /** Inserts or replaces a user and rebuilds its index entries. */
  saveUser(user: StoredUser): void {
    const old = this.users.get(user.id);
    if (old) {
      this.byUserName.delete(old.userName.toLowerCase());
      for (const e of emailsOf(old)) this.byEmail.delete(e.toLowerCase());
    }
    this.users.set(user.id, user);
    this.byUserName.set(user.userName.toLowerCase(), user.id);
    for (const e of emailsOf(user)) this.byEmail.set(e.toLowerCase(), user.id);
  }

  customFieldCount(): number {
    return this.presetProfileFieldCount + this.profileFields.size;
  }
}

export function emailsOf(user: StoredUser): string[] {
  return user.secondaryEmail ? [user.primaryEmail, user.secondaryEmail] : [user.primaryEmail];
}
