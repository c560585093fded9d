import { describe, expect, it } from 'vitest';
import { portalSignInMessage, ssoBindMessage } from '../../mail/messages';

describe('the portal’s sign-in mail', () => {
  it('carries the single-use link, how long it works, and the greeting, escaped', () => {
    const m = portalSignInMessage({ userDisplayName: 'Ada <b>L</b>\u001b[2J', link: 'https://bindery.example.com/portal/link/abc', validMinutes: 15 });
    expect(m.subject).toBe('Your sign-in link for the Bindery user portal');
    expect(m.text).toContain('Hello Ada <b>L</b>\\u{1b}[2J,');
    expect(m.text).toContain('https://bindery.example.com/portal/link/abc');
    expect(m.text).toContain('It works once, within 15 minutes.');
    expect(m.html).toContain('Ada &lt;b&gt;L&lt;/b&gt;');
    expect(m.html).toContain('<a href="https://bindery.example.com/portal/link/abc">');
  });

  it('refuses a link that is not http(s)', () => {
    for (const link of ['javascript:alert(1)', 'file:///etc/passwd', 'not a url']) {
      expect(() => portalSignInMessage({ userDisplayName: 'Ada', link, validMinutes: 15 })).toThrow('the sign-in link must be an http(s) URL');
    }
  });

  it('and the bind mail names the deadline in UTC', () => {
    const m = ssoBindMessage({ userDisplayName: 'Ada', connectorLabel: 'Slack', link: 'https://b.example.com/portal/link/x', expiresAt: new Date('2026-12-04T09:30:59Z') });
    expect(m.text).toContain('The link expires on 2026-12-04 09:30 UTC.');
  });
});
