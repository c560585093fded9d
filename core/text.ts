import { z } from 'zod';

/**
 * Text the directory accepts. NUL (U+0000) is refused everywhere: PostgreSQL cannot store it. Control
 * characters (C0, C1) and bidirectional overrides are refused in names and one-line values, where nobody
 * needs them and where they would rewrite an admin's terminal or disguise a name (`ctl\u001b[2J`, U+202E).
 */
const NUL = /\u0000/;
const CONTROL = /\p{Cc}/u;
const MULTILINE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
const LINE_MESSAGE = 'must not contain control characters or bidirectional overrides';

export function hasNul(value: string): boolean {
  return NUL.test(value);
}

/** Whether a one-line value is free of control characters and bidirectional overrides. */
export function isPlainLine(value: string): boolean {
  return !CONTROL.test(value) && !BIDI_CONTROL.test(value);
}

/** A one-line value: names, usernames, titles, labels. */
export function line(max: number) {
  return z.string().max(max).refine(isPlainLine, LINE_MESSAGE);
}

/** Free text that may span lines (descriptions): tabs and line breaks allowed, other controls not. */
export function paragraph(max: number) {
  return z.string().max(max).refine((s) => !MULTILINE_CONTROL.test(s) && !BIDI_CONTROL.test(s), LINE_MESSAGE);
}

/**
 * Untrusted text made safe to print on a terminal: control characters, bidirectional overrides and
 * escape sequences are shown as `\u{…}` escapes instead of acting on the terminal.
 */
export function printable(value: string): string {
  return value.replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
}
