// Why a page was not read, in plain words. Every way a read can end short (a refusal, a network
// fault, a limit, a page with no text) becomes one ReadFailure, which the reader turns into the
// note a reader of the briefing sees.

export class ReadFailure extends Error {
  /** The reason, worded to follow "The page could not be read (…)", e.g. `timed out after 15 s`. */
  readonly reason: string;
  /** Not fetched on purpose (a private address, robots.txt), rather than a fetch that failed. */
  readonly refused: boolean;
  /** The same answer would come again tomorrow (a 404, a paywall): worth caching. A timeout is not. */
  readonly lasting: boolean;
  constructor(reason: string, options: { refused?: boolean; lasting?: boolean; cause?: unknown } = {}) {
    super(reason, { cause: options.cause });
    this.name = 'ReadFailure';
    this.reason = reason;
    this.refused = options.refused ?? false;
    this.lasting = options.lasting ?? false;
  }
}

/** `15 s`, `0.5 s`: durations as the notes show them. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`;
}

/** `5 MB`, `512 KB`: sizes as the notes show them. */
export function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Number((bytes / 1024 / 1024).toFixed(1))} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** The note for a result whose page was not read: why, and what is used instead. */
export function noteFor(failure: ReadFailure, hasSnippet: boolean): string {
  const instead = hasSnippet ? 'the search snippet is used' : 'nothing from it is used';
  return failure.refused ? `The page was not fetched (${failure.reason}); ${instead}.` : `The page could not be read (${failure.reason}); ${instead}.`;
}
