import { Context } from '@temporalio/activity';
import { loadConfig, publicBaseUrl } from '../core/config';
import { greetingName, signInLinkUrl } from '../core/portal-access';
import { BIND_WINDOW_HOURS, bindNext, type BindLook, lookAt } from '../core/sso-binds';
import { isAuthorized } from '../db/authorization';
import { getConnector } from '../db/connectors';
import { recordEvent } from '../db/events';
import { createSignInLink } from '../db/portal-sessions';
import { getBind, markExpired, markSent, openBind, withdrawBind } from '../db/sso-binds';
import { getUser } from '../db/users';
import type { EngineDeps } from '../engine/session';
import { MailError } from '../mail/mailer';
import { ssoBindMessage } from '../mail/messages';

/** The user and connector of a bind window: all that travels through the workflow, with round numbers and times. */
export type BindRef = { connectorId: string; userId: string };

function trace() {
  const info = Context.current().info.workflowExecution;
  return { workflowId: info?.workflowId, runId: info?.runId };
}

/**
 * The bind window's activities (B1): look at the window (opening or ending it as the directory says), send
 * its email with a single-use link into the portal, and expire it. Names, emails and links stay in here.
 */
export function createSsoBindActivities(deps: EngineDeps) {
  const { db } = deps;
  // The portal's address, as services/sso.ts finds the IdP's: given, else from the configuration.
  const publicUrl = () => deps.publicUrl ?? publicBaseUrl(loadConfig());

  return {
    /**
     * Level-triggered: SSO on and the user authorized → their window (a first one is opened); otherwise a
     * window not bound ends (`withdrawn`), with an event.
     */
    async lookAtBind(ref: BindRef): Promise<BindLook> {
      const connector = await getConnector(db, ref.connectorId);
      const user = await getUser(db, ref.userId);
      const wanted = connector?.ssoActive === true && user !== undefined && user.deletedAt === null && (await isAuthorized(db, ref.connectorId, ref.userId));
      if (wanted) return lookAt(await openBind(db, ref.connectorId, ref.userId))!;
      return db.transaction(async (tx) => {
        const bind = await getBind(tx, ref.connectorId, ref.userId);
        if (bind?.state === 'bound') return { status: 'bound' as const };
        if (bind && (await withdrawBind(tx, ref.connectorId, ref.userId))) {
          await recordEvent(tx, {
            type: 'sso_bind_withdrawn',
            connectorId: ref.connectorId,
            objectType: 'user',
            objectId: ref.userId,
            outcome: 'success',
            message: connector?.ssoActive ? 'The user is no longer authorized for the connector: their bind window ended and its link no longer works.' : 'SSO is off for the connector: the bind window ended and its link no longer works.',
            ...trace(),
          });
        }
        return { status: 'withdrawn' as const };
      });
    },

    /**
     * Emails the round's link (a single-use sign-in link into the portal, valid until the deadline) and
     * starts the window. `stale` when the round is no longer the current one (resent, bound, withdrawn).
     */
    async sendBindEmail(ref: BindRef & { round: number; deadline: number }): Promise<'sent' | 'stale'> {
      const bind = await getBind(db, ref.connectorId, ref.userId);
      const connector = await getConnector(db, ref.connectorId);
      const user = await getUser(db, ref.userId);
      if (!bind || !connector || !user || bind.state !== 'pending' || bind.round !== ref.round || bind.sentAt) return 'stale';
      const deadline = new Date(ref.deadline);
      const token = await createSignInLink(db, { userId: user.id, next: bindNext(connector.id, ref.round), expiresAt: deadline });
      let failure: { code: string; message: string } | undefined;
      if (!deps.mail) {
        failure = { code: 'mail_not_configured', message: 'No mail server is configured for the worker (SMTP_URL), so the bind email was not sent.' };
      } else {
        try {
          const message = ssoBindMessage({ userDisplayName: greetingName(user), connectorLabel: connector.label, link: signInLinkUrl(publicUrl(), token), expiresAt: deadline });
          await deps.mail.mailer.send({ to: user.email, ...message });
        } catch (err) {
          // A server that is down is retried (the activity's retry policy); an address it can never take is not.
          if (!(err instanceof MailError && err.kind === 'invalid')) throw err;
          failure = { code: 'mail_refused', message: `The bind email could not be sent: ${err.message}.` };
        }
      }
      await db.transaction(async (tx) => {
        await markSent(tx, { ...ref, deadline });
        await recordEvent(tx, {
          type: 'sso_bind_sent',
          connectorId: ref.connectorId,
          objectType: 'user',
          objectId: ref.userId,
          outcome: failure ? 'failure' : 'success',
          errorCode: failure?.code,
          message: failure
            ? `${failure.message} The ${BIND_WINDOW_HOURS}-hour window (round ${ref.round}) runs until ${deadline.toISOString()}; fix the cause, then resend.`
            : `Bind email sent (round ${ref.round}); the link expires at ${deadline.toISOString()}.`,
          ...trace(),
        });
      });
      return 'sent';
    },

    /** The window ended without a launch: expired, with an event. False when the round was bound, resent or withdrawn meanwhile. */
    async expireBind(ref: BindRef & { round: number }): Promise<boolean> {
      return db.transaction(async (tx) => {
        if (!(await markExpired(tx, ref))) return false;
        await recordEvent(tx, {
          type: 'sso_bind_expired',
          connectorId: ref.connectorId,
          objectType: 'user',
          objectId: ref.userId,
          outcome: 'failure',
          errorCode: 'bind_expired',
          message: `The ${BIND_WINDOW_HOURS}-hour bind window (round ${ref.round}) ended without a first launch; the link no longer works. Resend with \`bindery connector sso resend ${ref.connectorId} --user ${ref.userId}\`.`,
          ...trace(),
        });
        return true;
      });
    },
  };
}
