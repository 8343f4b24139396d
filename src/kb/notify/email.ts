// The e-mail channel: one plain-text message per alert to KB_NOTIFY_EMAIL, sent through SMTP_URL
// (`smtp://user:password@host:587`, or `smtps://` for TLS from the start) with nodemailer. The
// URL holds a password: it goes to nodemailer and nowhere else, and a failure is described by
// the host, nodemailer's error code and the SMTP reply code, never by the server's reply text
// (which may quote the login) or the URL.
import { createTransport } from 'nodemailer';
import { NotifyError, hostOf, parseChannelUrl } from './errors.ts';

export interface EmailOptions {
  /** To connect, to be greeted, and between replies; default 15 s. */
  timeoutMs?: number;
}

export interface Email {
  subject: string;
  text: string;
}

export async function sendEmail(smtpUrl: string, to: string, email: Email, options: EmailOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const target = parseChannelUrl(smtpUrl, 'SMTP_URL', ['smtp:', 'smtps:']);
  const recipients = to.split(',').map((a) => a.trim()).filter(Boolean);
  if (!recipients.length) throw new NotifyError('KB_NOTIFY_EMAIL names no address');
  const where = `e-mail via ${hostOf(target)}`;
  // The sender: the SMTP login when it is an address (what most relays insist on), else the first recipient.
  const user = decodeURIComponent(target.username);
  const from = user.includes('@') ? user : recipients[0]!;
  const transport = createTransport({ url: smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs, dnsTimeout: timeoutMs, logger: false, debug: false });
  try {
    await transport.sendMail({ from: { name: 'kb briefings', address: from }, to: recipients, subject: email.subject, text: email.text });
  } catch (error) {
    throw new NotifyError(`${where}: ${smtpFailure(error, timeoutMs)}`);
  } finally {
    transport.close();
  }
}

const WHAT: Record<string, string> = {
  EAUTH: 'the server refused the login',
  ENOAUTH: 'the server asks for a login SMTP_URL does not give',
  ECONNECTION: 'could not connect',
  ESOCKET: 'the connection failed',
  ETIMEDOUT: 'no answer in time',
  EDNS: 'the host name does not resolve',
  ETLS: 'TLS failed',
  EENVELOPE: 'the server refused the sender or a recipient',
  EMESSAGE: 'the server refused the message',
  EPROTOCOL: 'the server does not speak SMTP as expected',
};

function smtpFailure(error: unknown, timeoutMs: number): string {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  const known = typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : undefined;
  const what = known === 'ETIMEDOUT' ? `no answer within ${Math.round(timeoutMs / 100) / 10} s` : ((known && WHAT[known]) ?? 'sending failed');
  const reply = typeof responseCode === 'number' ? `, SMTP ${responseCode}` : '';
  return `${what}${known ? ` (${known}${reply})` : reply ? ` (${reply.slice(2)})` : ''}`;
}
