import { z } from 'zod';

/**
 * The directory's user, as the API accepts it and the database stores it (requirement D1: every
 * attribute of the seed's "Slack User Attributes" table). One schema: drizzle rows, API bodies and
 * the mapping to SCIM all derive their types from it.
 */
export const Address = z.object({
  type: z.string().max(64).optional(),
  streetAddress: z.string().max(512).optional(),
  locality: z.string().max(256).optional(),
  region: z.string().max(256).optional(),
  postalCode: z.string().max(64).optional(),
  country: z.string().max(64).optional(),
  primary: z.boolean().optional(),
});
export type Address = z.infer<typeof Address>;

export const PhoneNumber = z.object({
  type: z.string().max(64).optional(),
  value: z.string().min(1).max(64),
  primary: z.boolean().optional(),
});
export type PhoneNumber = z.infer<typeof PhoneNumber>;

export const DirectoryUserFields = z.object({
  username: z.string().min(1).max(256),
  email: z.email().max(320),
  firstname: z.string().max(256).default(''),
  middlename: z.string().max(256).default(''),
  lastname: z.string().max(256).default(''),
  displayname: z.string().max(256).default(''),
  suspended: z.boolean().default(false),
  passwordExpired: z.boolean().default(false),
  jobTitle: z.string().max(256).default(''),
  location: z.string().max(256).default(''),
  addresses: z.array(Address).max(10).default([]),
  phoneNumbers: z.array(PhoneNumber).max(10).default([]),
  employeeIdentifier: z.string().max(256).default(''),
  department: z.string().max(256).default(''),
  company: z.string().max(256).default(''),
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
