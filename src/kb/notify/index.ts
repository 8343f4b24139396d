// Alerts on material change, after `kb run` has published: each question whose new session's
// ledger is material (src/core/ledger) gets one notification per configured channel — a webhook
// (KB_NOTIFY_URL), e-mail (SMTP_URL and KB_NOTIFY_EMAIL) and, in the scheduled workflow, a GitHub
// issue per question (KB_NOTIFY_GITHUB, with GITHUB_TOKEN and GITHUB_REPOSITORY). A run with no
// material change sends nothing, and makes no request. Notifying never fails the run and never touches a session: every outcome, sent or
// failed, comes back as a record for the run log, its error naming the host only.
import path from 'node:path';
import { notifySettings, siteSettings, type Env } from '#kb/config/env.ts';
import { readSession } from '#kb/store/store.ts';
import type { NotificationRecord } from '#kb/store/runlog.ts';
import { alertMessage, briefingUrl, type AlertMessage } from './message.ts';
import { postWebhook } from './webhook.ts';
import { sendEmail } from './email.ts';
import { githubIssues, type GithubIssues, type GithubOptions } from './github.ts';
import { NotifyError } from './errors.ts';

export { alertMessage, briefingUrl, type AlertMessage, type AlertPayload } from './message.ts';
export { postWebhook } from './webhook.ts';
export { sendEmail } from './email.ts';
export { githubIssues, issueText, markdownInline, questionMarker, ALERT_LABEL } from './github.ts';
export type { NotificationRecord };

export interface NotifyOptions {
  /** Per request (webhook, GitHub) and per SMTP wait (e-mail); defaults 10 s and 15 s. */
  timeoutMs?: number;
  /** The GitHub channel's rate-limit wait and test seams. */
  github?: Omit<GithubOptions, 'timeoutMs'>;
}

const CHANNEL_NAME: Record<NotificationRecord['channel'], string> = { webhook: 'webhook', email: 'e-mail', github: 'GitHub issue' };

/** What `kb run` published: the query and its session file, relative to the content folder. */
export interface Published {
  id: string;
  outcome: string;
  session?: string;
}

/** Sends the alerts of one run; resolves to what was sent and what failed, never rejects. */
export async function notifyRun(contentDir: string, outcomes: Published[], env: Env, options: NotifyOptions = {}): Promise<NotificationRecord[]> {
  const settings = notifySettings(env);
  const channels: NotificationRecord['channel'][] = [...(settings.webhook ? (['webhook'] as const) : []), ...(settings.smtp ? (['email'] as const) : []), ...(settings.github ? (['github'] as const) : [])];
  if (!channels.length) return [];
  // Created once per run, and it calls GitHub only when an alert is due: its issue list is read once.
  const github: GithubIssues | undefined = settings.github ? githubIssues(settings.github, { ...options.github, timeoutMs: options.timeoutMs }) : undefined;
  const site = siteSettings(env);
  const published = outcomes.filter((o) => o.outcome === 'published' && o.session);
  const records = await Promise.all(
    published.map(async (o): Promise<NotificationRecord[]> => {
      let message: AlertMessage;
      try {
        const session = await readSession(path.join(contentDir, o.session!));
        if (!session.ledger?.material) return [];
        message = alertMessage(session, session.ledger, briefingUrl(session.querySlug, o.session!, site));
      } catch (error) {
        const why = `could not read the published session ${o.session} (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
        return channels.map((channel) => ({ query: o.id, channel, outcome: 'failed', error: why }));
      }
      return Promise.all(
        channels.map(async (channel): Promise<NotificationRecord> => {
          try {
            if (channel === 'webhook') await postWebhook(settings.webhook!, message.payload, { timeoutMs: options.timeoutMs });
            else if (channel === 'github') await github!.alert(o.id, message);
            else await sendEmail(settings.smtp!, settings.email!, { subject: message.subject, text: message.body }, { timeoutMs: options.timeoutMs });
            return { query: o.id, channel, outcome: 'sent' };
          } catch (error) {
            // Only our own words leave here: anything else could quote a URL or a login.
            const why = error instanceof NotifyError ? error.message : `${CHANNEL_NAME[channel]}: sending failed`;
            return { query: o.id, channel, outcome: 'failed', error: why };
          }
        }),
      );
    }),
  );
  return records.flat();
}

/** The warning `kb run` prints for an alert that failed. */
export function notifyWarning(r: NotificationRecord): string {
  return `warning: the ${CHANNEL_NAME[r.channel]} alert for ${r.query} was not sent: ${r.error ?? 'unknown error'}. The briefing is published; the run log records the failure.`;
}
