// A failure to notify, in words that are safe to print and to store: they name the channel and
// the host, never a URL's path, query, user or password.

export class NotifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotifyError';
  }
}

/** `host` or `host:port`, without the user, password, path or query a URL may carry. */
export function hostOf(url: URL): string {
  return url.host || '(no host)';
}

/** A channel's URL from its variable, or an error that names the variable and not its value. */
export function parseChannelUrl(value: string, variable: string, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new NotifyError(`${variable} is not a URL`);
  }
  if (!protocols.includes(url.protocol)) throw new NotifyError(`${variable} is not ${protocols.map((p) => `an ${p}//`).join(' or ')} URL`);
  return url;
}
