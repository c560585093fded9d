import { describe, expect, it } from 'vitest';
import { hasNul, isPlainLine, line, paragraph, printable } from '../../core/text';
import { parseTime, TIME_FORMS } from '../../core/time';

describe('text the directory accepts', () => {
  it.each(['\u0000', 'a\u0007b', '\u001b[31m', 'tab\there', 'new\nline', '\u202eevil', '\u2066iso', '\u0085'])('a line refuses %j', (value) => {
    expect(isPlainLine(value)).toBe(false);
    expect(line(100).safeParse(value).success).toBe(false);
  });
  it.each(['Ada Lovelace', 'Zoë Ångström', '山田 太郎', "O'Brien-Smith, Jr.", 'علي', ''])('a line accepts %j', (value) => {
    expect(line(100).safeParse(value).success).toBe(true);
  });
  it('a paragraph keeps tabs and line breaks, and refuses other controls and NUL', () => {
    expect(paragraph(100).safeParse('one\n\ttwo\r\n').success).toBe(true);
    expect(paragraph(100).safeParse('bell\u0007').success).toBe(false);
    expect(paragraph(100).safeParse('nul\u0000').success).toBe(false);
    expect(hasNul('a\u0000')).toBe(true);
  });
  it('prints untrusted text as escapes, never as terminal control', () => {
    expect(printable('ctl\u0007\u001b[2J\u202eevil')).toBe('ctl\\u{7}\\u{1b}[2J\\u{202e}evil');
    expect(printable('Zoë 山田')).toBe('Zoë 山田');
  });
});

describe('times an admin types', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  it.each([
    ['15m', '2026-12-01T11:45:00.000Z'],
    ['2h', '2026-12-01T10:00:00.000Z'],
    ['7d', '2026-11-24T12:00:00.000Z'],
    ['1w', '2026-11-24T12:00:00.000Z'],
    ['30s ago', '2026-12-01T11:59:30.000Z'],
    ['today', '2026-12-01T00:00:00.000Z'],
    ['yesterday', '2026-11-30T00:00:00.000Z'],
    ['now', '2026-12-01T12:00:00.000Z'],
    ['2026-11-02', '2026-11-02T00:00:00.000Z'],
    ['2026-11-02T09:30:00Z', '2026-11-02T09:30:00.000Z'],
    ['2026-11-02T09:30:00+02:00', '2026-11-02T07:30:00.000Z'],
  ])('%s', (text, iso) => {
    expect(parseTime(text, now)?.toISOString()).toBe(iso);
  });
  it.each(['last tuesday', '2026-13-01', '2026-11-02T09:30', '5 minutes', '', 'd7'])('refuses %j', (text) => {
    expect(parseTime(text, now)).toBeUndefined();
  });
  it('names the accepted forms', () => {
    expect(TIME_FORMS).toMatch(/ISO 8601.*15m, 2h, 7d/);
  });
});
