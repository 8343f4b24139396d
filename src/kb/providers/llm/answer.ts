// What of a model's message is its answer. Reasoning models think aloud before answering: some
// servers hand the thinking over in a field of its own (`reasoning_content` from DeepSeek and
// vLLM, `reasoning` from Ollama, LM Studio and OpenRouter), others leave it in the text as
// `<think>…</think>` (qwen3, deepseek-r1 served raw). The thinking is never the answer: it may hold
// a draft of the JSON ("maybe {"queries": […]}?") that must not be taken for the real one, and it
// must not reach a session, a log or an error message. So the providers drop it here, before the
// text leaves them, and the JSON reader downstream never sees it.
import { ProviderError, type Usage } from '#kb/providers/types.ts';

/**
 * The text without its reasoning: every `<think>…</think>` (or `<thinking>`) block; an opening
 * tag at the start that never closes (the answer was cut off while thinking: all of it is
 * reasoning); and everything up to a closing tag that has no opening one (chat templates that
 * open `<think>` in the prompt, so the answer starts inside it).
 */
export function stripReasoning(text: string): string {
  let out = text.replace(/<think(?:ing)?>[\s\S]*?<\/think(?:ing)?>/gi, '');
  const orphanClose = /<\/think(?:ing)?>/gi;
  let last = -1;
  for (let m = orphanClose.exec(out); m; m = orphanClose.exec(out)) last = m.index + m[0].length;
  if (last >= 0) out = out.slice(last);
  if (/^\s*<think(?:ing)?>/i.test(out)) return '';
  return out;
}

/**
 * The model answered nothing usable as text: an empty message, only whitespace (DeepSeek's JSON
 * mode blanks out what is not JSON), or only reasoning. Unlike other provider failures, asking
 * once more can help, so `completeJson` retries it like an unreadable answer.
 */
export class EmptyAnswerError extends ProviderError {
  /** What the empty answer cost (a reasoning model's thinking is paid for too). */
  readonly usage?: Usage;
  constructor(provider: string, message: string, usage?: Usage) {
    super(provider, message);
    this.name = 'EmptyAnswerError';
    this.usage = usage;
  }
}
