// The webhook channel: one JSON POST per alert to KB_NOTIFY_URL. The URL is a secret (chat
// webhooks carry their token in the path), so it is used for the request and for nothing else:
// every failure is described in words of our own that name the host only. No retry: a second
// POST after a timeout could post the alert twice; a failure is recorded in the run log instead.
import { NotifyError, hostOf, parseChannelUrl } from './errors.ts';

export interface WebhookOptions {
  /** The whole request, answer included; default 10 s. */
  timeoutMs?: number;
}

export async function postWebhook(url: string, payload: unknown, options: WebhookOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const target = parseChannelUrl(url, 'KB_NOTIFY_URL', ['http:', 'https:']);
  const where = `webhook at ${hostOf(target)}`;
  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'kb (research briefings)' },
      body: JSON.stringify(payload),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new NotifyError(`${where}: ${networkFailure(error, timeoutMs)}`);
  }
  // The answer's body is not read: a webhook may echo the request, or its own URL, back.
  await response.body?.cancel().catch(() => {});
  if (response.status < 200 || response.status >= 300) throw new NotifyError(`${where}: answered HTTP ${response.status}`);
}

function networkFailure(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${seconds(timeoutMs)}`;
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? `could not connect (${code})` : 'could not connect';
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
