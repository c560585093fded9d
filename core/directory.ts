import { z } from 'zod';
import { line } from './text';

/**
 * The directory's user, as the API accepts it and the database stores it (requirement D1: every
 * attribute of the seed's "Slack User Attributes" table). One schema: drizzle rows, API bodies and
 * the mapping to SCIM all derive their types from it. Field names are camelCase, like every field of
 * the API and every flag of the CLI.
 */
export const Address = z.strictObject({
  type: line(64).optional(),
  streetAddress: line(512).optional(),
  locality: line(256).optional(),
  region: line(256).optional(),
  postalCode: line(64).optional(),
  country: line(64).optional(),
  primary: z.boolean().optional(),
});
export type Address = z.infer<typeof Address>;

export const PhoneNumber = z.strictObject({
  type: line(64).optional(),
  value: line(64).min(1),
  primary: z.boolean().optional(),
});
export type PhoneNumber = z.infer<typeof PhoneNumber>;

export const DirectoryUserFields = z.strictObject({
  username: line(256).min(1),
  email: z.email().max(320),
  firstName: line(256).default(''),
  middleName: line(256).default(''),
  lastName: line(256).default(''),
  displayName: line(256).default(''),
  suspended: z.boolean().default(false),
  passwordExpired: z.boolean().default(false),
  jobTitle: line(256).default(''),
  location: line(256).default(''),
  addresses: z.array(Address).max(10).default([]),
  phoneNumbers: z.array(PhoneNumber).max(10).default([]),
  employeeIdentifier: line(256).default(''),
  department: line(256).default(''),
  company: line(256).default(''),
  /** A multi-channel guest in Slack (U9). */
  guest: z.boolean().default(false),
});
export type DirectoryUserInput = z.input<typeof DirectoryUserFields>;
export type DirectoryUserFields = z.output<typeof DirectoryUserFields>;

export type DirectoryUser = DirectoryUserFields & {
  id: string;
  /** Cleartext password, only when one is momentarily available (never stored). */
  password?: string;
};
