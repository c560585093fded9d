import { describe, expect, it } from 'vitest';
import { appsPage, checkEmailPage, continuePage, messagePage, signInPage } from '../../portal/pages';

// The portal's pages: every value escaped, every form with its CSRF token, labels and headings for
// assistive technology, no script.
const hostile = '<script>alert("x")</script>&\u202e\u0007';

describe('portal pages', () => {
  it('escape every value from the directory or the request', () => {
    const pages = [
      signInPage({ csrfToken: 'c"srf', next: hostile, email: hostile, error: hostile, notice: hostile }),
      checkEmailPage({ email: hostile }),
      continuePage({ token: hostile, csrfToken: hostile, bind: true }),
      appsPage({ name: hostile, email: hostile, csrfToken: hostile, tiles: [{ connectorId: hostile, label: hostile, description: hostile, launchable: true, bindPending: true, note: hostile }], notice: hostile, error: hostile }),
      messagePage({ title: hostile, message: hostile, action: { href: '/portal?x="y"', text: hostile } }),
    ];
    for (const page of pages) {
      expect(page).not.toContain('<script');
      expect(page).not.toContain('"x"');
      expect(page).toContain('&lt;script&gt;');
      // What is shown has no control character or bidirectional override; form values round-trip as sent.
      const shown = page.replace(/ value="[^"]*"/g, '');
      expect(shown).not.toContain('\u202e');
      expect(shown).not.toContain('\u0007');
    }
  });

  it('put the CSRF token in every form, and label the email field', () => {
    const signIn = signInPage({ csrfToken: 'TOKEN', next: '/sso/c/saml/continue?x=1' });
    expect(signIn).toContain('<input type="hidden" name="_csrf" value="TOKEN">');
    expect(signIn).toContain('<input type="hidden" name="next" value="/sso/c/saml/continue?x=1">');
    expect(signIn).toContain('<label for="email">');
    expect(signIn).toContain('id="email" name="email" type="email"');
    const apps = appsPage({ name: 'Ada', email: 'ada@example.com', csrfToken: 'TOKEN', tiles: [{ connectorId: 'con_1', label: 'Slack', description: '', launchable: true, bindPending: false }] });
    const forms = apps.match(/<form /g)!.length;
    expect(apps.match(/name="_csrf" value="TOKEN"/g)).toHaveLength(forms); // sign-out and launch
    expect(apps).toContain('action="/portal/launch/con_1"');
    expect(apps).toContain('aria-label="Launch Slack"');
    expect(apps).not.toMatch(/<script/);
  });

  it('show a tile that cannot launch with its reason and no button', () => {
    const apps = appsPage({ name: 'Ada', email: 'a@example.com', csrfToken: 'T', tiles: [{ connectorId: 'con_1', label: 'Slack', description: 'Chat', launchable: false, bindPending: false, note: 'Your invitation to bind Slack has expired.' }] });
    expect(apps).not.toContain('/portal/launch/');
    expect(apps).toContain('Your invitation to bind Slack has expired.');
    expect(appsPage({ name: 'Ada', email: 'a@example.com', csrfToken: 'T', tiles: [] })).toContain('No applications are available to you yet');
  });

  it('announce errors to assistive technology', () => {
    expect(signInPage({ csrfToken: 'T', error: 'Enter a valid email address' })).toContain('<p role="alert">Enter a valid email address</p>');
    expect(messagePage({ title: 'Link expired', message: 'Ask for a new one.' })).toContain('<h1>Link expired</h1>');
  });
});
