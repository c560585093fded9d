import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../core/config';

// Keeps the README true: every setting the code reads is documented with its default.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every environment variable with its default', () => {
    for (const s of Object.values(SETTINGS)) {
      expect(readme).toContain(`| \`${s.env}\` | ${s.default === undefined ? '—' : `\`${s.default}\``} |`);
    }
  });
});
