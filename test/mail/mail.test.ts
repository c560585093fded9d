import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mailbox, startMailCatcher, type MailCatcher, type Mailbox } from '../../mail/catcher';
import { createMailer, MailError, redactSmtpUrl, type Mailer } from '../../mail/mailer';
import { escapeHtml, heldDeactivationsMessage, importSummaryMessage, REFUSED_LISTED, ssoBindMessage } from '../../mail/messages';

// A real mailpit (started here, no mocks) catches what the mailer sends; the renderers are checked on their own
// and once through the catcher.

let catcher: MailCatcher;
let box: Mailbox;
let mailer: Mailer;

beforeAll(async () => {
  catcher = await startMailCatcher();
  box = mailbox(catcher.apiUrl);
  mailer = createMailer({ smtpUrl: catcher.smtpUrl, from: 'Bindery <bindery@example.test>' });
}, 30_000);

afterAll(async () => {
  mailer?.close();
  await catcher?.stop();
});

beforeEach(async () => {
  await box.clear();
});

const HOSTILE = `<script>alert("x")</script> O'Brien & "Co" <img src=x onerror=alert(1)>`;

/** A closed loopback port: listen on 0, note the port, close. */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('mailer and catcher', () => {
  it('delivers a message with its subject, recipient, text and HTML', async () => {
    await mailer.verify();
    const { messageId } = await mailer.send({ to: 'ada@example.test', subject: 'Hello from Bindery', text: 'First line\nSecond line', html: '<p>First line</p>' });
    expect(messageId).toMatch(/^<.+@.+>$/);

    const got = await box.waitFor((m) => m.subject === 'Hello from Bindery', 5_000);
    expect(got.to).toEqual(['ada@example.test']);
    expect(got.from).toBe('bindery@example.test');
    expect(got.text.trim()).toBe('First line\nSecond line'); // CRLF normalised
    expect(got.text).not.toContain('\r');
    expect(got.html).toContain('<p>First line</p>');
    expect(`<${got.messageId}>`).toBe(messageId);

    const listed = await box.list();
    expect(listed).toEqual([{ id: got.id, subject: 'Hello from Bindery', to: ['ada@example.test'], createdAt: expect.any(Date) }]);
    expect(Number.isNaN(listed[0]!.createdAt.getTime())).toBe(false);
  });

  it('logs in when the URL carries a user and password (mailpit accepts any)', async () => {
    const authed = createMailer({ smtpUrl: catcher.smtpUrl.replace('smtp://', 'smtp://bindery:p%40ss@'), from: 'bindery@example.test' });
    try {
      await authed.send({ to: 'grace@example.test', subject: 'With login', text: 'hi' });
      expect((await box.waitFor((m) => m.subject === 'With login')).to).toEqual(['grace@example.test']);
    } finally {
      authed.close();
    }
  });

  it('sends an HTML part with hostile directory values escaped', async () => {
    const rendered = importSummaryMessage({ connectorLabel: HOSTILE, importId: 'imp_1', created: 1, alreadyImported: 0, refused: [{ remoteId: HOSTILE, userName: HOSTILE, reason: HOSTILE }] });
    await mailer.send({ to: 'admin@example.test', ...rendered });
    const got = await box.waitFor((m) => m.to.includes('admin@example.test'));
    expect(got.html).not.toContain('<script');
    expect(got.html).not.toContain('<img');
    expect(got.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; &quot;Co&quot;');
    expect(got.subject).toContain(`<script>alert("x")</script>`); // the subject is text, not HTML
  });

  it('refuses a bad recipient before sending', async () => {
    for (const to of ['not-an-email', '', 'ada@example.test, eve@example.test', 'ada@example.test\r\nBcc: eve@example.test']) {
      const err = await mailer.send({ to, subject: 'Nope', text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MailError);
      expect((err as MailError).kind).toBe('invalid');
      expect((err as MailError).message).toMatch(/^mail not sent: to must be one email address/);
    }
    expect(await box.list()).toEqual([]);
  });

  it('refuses a subject with CR or LF (header injection) before sending', async () => {
    for (const subject of ['Hi\r\nBcc: eve@example.test', 'Hi\nX-Evil: 1', 'Hi\rthere', '']) {
      const err = await mailer.send({ to: 'ada@example.test', subject, text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MailError);
      expect((err as MailError).message).toMatch(/^mail not sent: subject /);
    }
    expect(await box.list()).toEqual([]);
  });

  it('validation happens before connecting: a bad message to a dead server is refused as invalid', async () => {
    const dead = createMailer({ smtpUrl: `smtp://127.0.0.1:${await closedPort()}`, from: 'bindery@example.test' });
    try {
      await expect(dead.send({ to: 'ada@example.test', subject: 'a\nb', text: 'x' })).rejects.toMatchObject({ kind: 'invalid' });
    } finally {
      dead.close();
    }
  });

  it('fails clearly when the SMTP server is not there, naming it and never the password', async () => {
    const port = await closedPort();
    const smtpUrl = `smtp://bindery-user:s3cr3t-Pa55@127.0.0.1:${port}`;
    const dead = createMailer({ smtpUrl, from: 'bindery@example.test', timeouts: { connectMs: 2_000 } });
    try {
      for (const attempt of [() => dead.send({ to: 'ada@example.test', subject: 'Lost', text: 'x' }), () => dead.verify()]) {
        const err = await attempt().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MailError);
        const e = err as MailError;
        expect(e.kind).toBe('smtp');
        expect(e.server).toBe(`smtp://127.0.0.1:${port}`);
        expect(e.message).toContain(`SMTP server smtp://127.0.0.1:${port}`);
        expect(e.message).toMatch(/ECONNREFUSED/);
        for (const shown of [e.message, String(e.stack), inspect(e, { depth: 5 }), JSON.stringify(e)]) {
          expect(shown).not.toContain('s3cr3t-Pa55');
          expect(shown).not.toContain('bindery-user');
        }
      }
    } finally {
      dead.close();
    }
    expect(redactSmtpUrl(smtpUrl)).toBe(`smtp://127.0.0.1:${port}`);
    expect(redactSmtpUrl('s3cr3t-Pa55')).not.toContain('s3cr3t');
  });

  it('refuses a malformed SMTP URL or sender without repeating the URL', () => {
    expect(() => createMailer({ smtpUrl: 'user:s3cr3t@mail.example.test', from: 'bindery@example.test' })).toThrow(/SMTP_URL must start with smtp:\/\/ or smtps:\/\//);
    expect(() => createMailer({ smtpUrl: 'not a url s3cr3t', from: 'bindery@example.test' })).toThrow(/^SMTP_URL is not a URL/);
    try {
      createMailer({ smtpUrl: 'not a url s3cr3t', from: 'bindery@example.test' });
    } catch (e) {
      expect(String(e)).not.toContain('s3cr3t');
    }
    expect(() => createMailer({ smtpUrl: catcher.smtpUrl, from: 'nobody' })).toThrow(/MAIL_FROM/);
    expect(() => createMailer({ smtpUrl: catcher.smtpUrl, from: 'Bindery <b@example.test>\r\nBcc: eve@example.test' })).toThrow(/MAIL_FROM must be one line/);
  });

  it('tells how to install mailpit when there is none', async () => {
    await expect(startMailCatcher({ binary: '/nonexistent/mailpit' })).rejects.toThrow(/mailpit not found at \/nonexistent\/mailpit: run `npm run setup`/);
  });
});

describe('messages', () => {
  it('held deactivations: counts, threshold, reason and both commands', () => {
    const m = heldDeactivationsMessage({
      connectorLabel: 'Acme Slack',
      connectorId: 'con_42',
      held: 37,
      linkedUsers: 120,
      threshold: 'more than 10% of linked users',
      reason: 'the directory returned no members for group Engineering',
      approveCommand: 'bindery deactivations approve con_42',
      rejectCommand: 'bindery deactivations reject con_42',
    });
    expect(m.subject).toBe('Bindery held 37 deactivations for Acme Slack');
    for (const part of [m.text, m.html]) {
      expect(part).toContain('37 deactivations');
      expect(part).toContain('37 of 120 linked users (30.8%)');
      expect(part).toContain('more than 10% of linked users');
      expect(part).toContain('the directory returned no members for group Engineering');
      expect(part).toContain('bindery deactivations approve con_42');
      expect(part).toContain('bindery deactivations reject con_42');
      expect(part).toContain('con_42');
    }
    expect(m.text).toMatch(/to deactivate them:\n\n {4}bindery deactivations approve con_42\n/);
    expect(heldDeactivationsMessage({ connectorLabel: 'A', connectorId: 'c', held: 1, linkedUsers: 1, threshold: 't', reason: 'r', approveCommand: 'a', rejectCommand: 'r' }).subject).toBe(
      'Bindery held 1 deactivation for A',
    );
  });

  it('import summary: counts and the refused users with their reasons, capped', () => {
    const m = importSummaryMessage({
      connectorLabel: 'Acme Slack',
      importId: 'imp_7',
      created: 1234,
      alreadyImported: 5,
      refused: [
        { remoteId: 'U01', userName: 'jdoe', reason: 'email held by a deactivated account' },
        { remoteId: 'U02', userName: 'asmith', reason: 'no email' },
      ],
    });
    expect(m.subject).toBe('Bindery import for Acme Slack finished: 1,234 created, 2 refused');
    expect(m.text).toContain('Created: 1,234\nAlready imported: 5\nRefused: 2');
    expect(m.text).toContain('  - jdoe (remote ID U01): email held by a deactivated account');
    expect(m.text).toContain('  - asmith (remote ID U02): no email');
    expect(m.html).toContain('<strong>jdoe</strong> (remote ID <code>U01</code>): email held by a deactivated account');
    expect(m.text).toContain('imp_7');

    const clean = importSummaryMessage({ connectorLabel: 'Acme Slack', importId: 'imp_8', created: 3, alreadyImported: 0, refused: [] });
    expect(clean.subject).toBe('Bindery import for Acme Slack finished: 3 created');
    expect(clean.text).not.toContain('Refused users');

    const many = importSummaryMessage({
      connectorLabel: 'Acme Slack',
      importId: 'imp_9',
      created: 0,
      alreadyImported: 0,
      refused: Array.from({ length: REFUSED_LISTED + 7 }, (_, i) => ({ remoteId: `U${i}`, userName: `user${i}`, reason: 'no email' })),
    });
    expect(many.text.match(/^ {2}- /gm)).toHaveLength(REFUSED_LISTED);
    expect(many.text).toContain('… and 7 more (see import imp_9).');
    expect(many.html).toContain('… and 7 more');
  });

  it('SSO bind: greeting, link and expiry', () => {
    const link = 'https://bindery.example.test/sso/bind?token=abc123&u=42';
    const m = ssoBindMessage({ userDisplayName: 'Ada Lovelace', connectorLabel: 'Acme Slack', link, expiresAt: new Date('2026-12-04T09:30:00Z') });
    expect(m.subject).toBe('Action needed: bind your Acme Slack account to single sign-on');
    expect(m.text).toContain('Hello Ada Lovelace,');
    expect(m.text).toContain(`\n${link}\n`);
    expect(m.text).toContain('The link expires on 2026-12-04 09:30 UTC.');
    expect(m.html).toContain('<a href="https://bindery.example.test/sso/bind?token=abc123&amp;u=42">');
    expect(m.html).toContain('2026-12-04 09:30 UTC');
    expect(() => ssoBindMessage({ userDisplayName: 'x', connectorLabel: 'y', link: 'javascript:alert(1)', expiresAt: new Date() })).toThrow(/http\(s\) URL/);
    expect(() => ssoBindMessage({ userDisplayName: 'x', connectorLabel: 'y', link, expiresAt: new Date('nope') })).toThrow(/valid date/);
  });

  it('escapes every untrusted value in the HTML and keeps subjects one line', () => {
    const hostileLine = `${HOSTILE}\r\nBcc: eve@example.test\u202e`;
    const rendered = [
      heldDeactivationsMessage({ connectorLabel: hostileLine, connectorId: HOSTILE, held: 2, linkedUsers: 3, threshold: HOSTILE, reason: HOSTILE, approveCommand: HOSTILE, rejectCommand: HOSTILE }),
      importSummaryMessage({ connectorLabel: hostileLine, importId: HOSTILE, created: 0, alreadyImported: 0, refused: [{ remoteId: HOSTILE, userName: HOSTILE, reason: HOSTILE }] }),
      ssoBindMessage({ userDisplayName: hostileLine, connectorLabel: hostileLine, link: 'https://x.example.test/?a="><script>', expiresAt: new Date(0) }),
    ];
    for (const m of rendered) {
      expect(m.html).not.toMatch(/<script|<img|onerror=alert\(1\)>/);
      expect(m.html).not.toMatch(/"Co"|O'Brien/);
      expect(m.html).toContain('&lt;script&gt;');
      expect(m.subject).not.toMatch(/[\r\n\u202e]/);
      expect(m.text).not.toMatch(/\r|\u202e|\nBcc:/);
      expect(m.subject.length).toBeLessThan(200);
    }
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('a rendered message goes through the mailer as it is', async () => {
    const m = ssoBindMessage({ userDisplayName: 'Ada', connectorLabel: 'Acme Slack', link: 'https://bindery.example.test/b/1', expiresAt: new Date('2026-12-04T09:30:00Z') });
    await mailer.send({ to: 'ada@example.test', ...m });
    const got = await box.waitFor((x) => x.subject === m.subject);
    expect(got.text.trim()).toBe(m.text.trim());
    expect(got.html).toContain('href="https://bindery.example.test/b/1"');
  });
});
