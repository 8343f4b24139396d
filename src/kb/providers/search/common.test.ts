import { describe, expect, it } from 'vitest';
import { clampCount, cleanText, describeAnswer, normaliseDate, requestOptions, resolveBase, toResult } from './common.ts';

describe('cleanText', () => {
  it('drops tags, decodes entities and collapses whitespace', () => {
    expect(cleanText('US <strong>rare earth</strong> imports &amp; China&#x27;s &quot;share&quot;')).toBe('US rare earth imports & China\'s "share"');
    expect(cleanText('a<br/>b <!-- note --> c\n\n  d')).toBe('ab c d');
    expect(cleanText('<b></b>  ')).toBeUndefined();
    expect(cleanText(42)).toBeUndefined();
  });

  it('leaves text that only looks like markup alone', () => {
    expect(cleanText('x < y and y > z')).toBe('x < y and y > z');
    expect(cleanText('AT&T, R&D, a=1&para=2')).toBe('AT&T, R&D, a=1&para=2'); // no semicolon, no entity
  });

  it('drops scripts, styles, noscript and templates with their content, in any case', () => {
    expect(cleanText('Lithium <script type="text/javascript">var a = "<b>x</b>";</script>prices <STYLE>p { color: red }</Style >fell <noscript>Enable JavaScript</noscript><template><p>row</p></template>again')).toBe('Lithium prices fell again');
  });

  it('drops a script cut off before its closing tag, and keeps one inside a comment hidden with it', () => {
    expect(cleanText('Prices fell <script>window.dataLayer = [')).toBe('Prices fell');
    expect(cleanText('a <!-- <script> --> b')).toBe('a b');
  });

  it('keeps the text of elements that only start like a script', () => {
    expect(cleanText('<scripts>kept</scripts> and <script-tag>kept</script-tag>')).toBe('kept and kept');
  });

  it('keeps escaped markup as visible text rather than turning it into tags', () => {
    expect(cleanText('&lt;script&gt;alert(1)&lt;/script&gt;')).toBe('<script>alert(1)</script>');
  });
});

describe('normaliseDate', () => {
  it.each([
    ['2024-01-31T00:00:00', '2024-01-31'],
    ['2024-03-05', '2024-03-05'],
    ['2024-03-05T23:30:00-05:00', '2024-03-05'], // the day as the publisher wrote it
    ['2024-03-05 10:00:00', '2024-03-05'],
    ['Tue, 05 Mar 2024 10:00:00 GMT', '2024-03-05'],
    ['Mar 5, 2024', '2024-03-05'],
    ['March 5th, 2024', '2024-03-05'],
    ['12 Feb 2025', '2025-02-12'],
    ['January 31, 2024', '2024-01-31'],
    ['Sept. 9, 2023', '2023-09-09'],
    ['1 June 2022', '2022-06-01'],
  ])('%s → %s', (raw, iso) => {
    expect(normaliseDate(raw)).toBe(iso);
  });

  it.each(['3 days ago', '2 hours ago', 'yesterday', '2024-02-30', 'Feb 30, 2024', '05/03/2024', 'March 2024', 'Mayor 5 2024', 'nonsense', ''])('omits %j', (raw) => {
    expect(normaliseDate(raw)).toBeUndefined();
  });

  it('ignores what is not a string', () => {
    expect(normaliseDate(null)).toBeUndefined();
    expect(normaliseDate(1709632800)).toBeUndefined();
  });
});

describe('toResult', () => {
  it('maps the fields and takes the source from the url', () => {
    expect(toResult({ title: ' T ', url: 'https://www.cnn.com/a', snippet: 'S', publishedAt: 'Mar 5, 2024' })).toEqual({
      title: 'T',
      url: 'https://www.cnn.com/a',
      snippet: 'S',
      source: 'www.cnn.com',
      publishedAt: '2024-03-05',
    });
  });

  it('drops results with no title, no url, or a url that is not http(s)', () => {
    expect(toResult({ title: '', url: 'https://a.example/' })).toBeUndefined();
    expect(toResult({ title: 'x', url: undefined })).toBeUndefined();
    expect(toResult({ title: 'x', url: 'not a url' })).toBeUndefined();
    expect(toResult({ title: 'x', url: 'javascript:alert(1)' })).toBeUndefined();
    expect(toResult({ title: 'x', url: 'data:text/html,hi' })).toBeUndefined();
  });

  it('leaves out empty snippets and unknown dates', () => {
    expect(toResult({ title: 'x', url: 'http://a.example/', snippet: '   ', publishedAt: '3 days ago' })).toEqual({ title: 'x', url: 'http://a.example/', source: 'a.example' });
  });
});

describe('resolveBase', () => {
  const env = { key: 'X_API_KEY', base: 'X_BASE_URL', defaultBase: 'https://api.example.com' };
  it('uses the default, trims trailing slashes, keeps a path', () => {
    expect(resolveBase('x', undefined, env)).toBe('https://api.example.com');
    expect(resolveBase('x', '  ', env)).toBe('https://api.example.com');
    expect(resolveBase('x', 'http://127.0.0.1:8080/proxy//', env)).toBe('http://127.0.0.1:8080/proxy');
  });

  it('refuses credentials, queries and non-http URLs', () => {
    expect(() => resolveBase('x', 'https://user:pw@api.example.com', env)).toThrow('x: X_BASE_URL must be a plain base URL');
    expect(() => resolveBase('x', 'https://api.example.com/?key=1', env)).toThrow('x: X_BASE_URL must be a plain base URL');
    expect(() => resolveBase('x', 'localhost:8080', env)).toThrow('(did you mean http://localhost:8080?)');
  });
});

describe('helpers', () => {
  it('clampCount keeps the count within the API range', () => {
    expect(clampCount(5, 20)).toBe(5);
    expect(clampCount(0, 20)).toBe(1);
    expect(clampCount(99, 20)).toBe(20);
    expect(clampCount(Number.NaN, 20)).toBe(20);
  });

  it('requestOptions adds the key to the secrets and combines abort signals', () => {
    const a = new AbortController();
    const b = new AbortController();
    const options = requestOptions('x', { secrets: ['other'], signal: a.signal, timeoutMs: 5 }, 'the-key', b.signal);
    expect(options).toMatchObject({ provider: 'x', secrets: ['other', 'the-key'], timeoutMs: 5 });
    b.abort();
    expect(options.signal?.aborted).toBe(true);
    expect(requestOptions('x', undefined, undefined, undefined)).toEqual({ provider: 'x', secrets: [], signal: undefined });
  });

  it('describeAnswer names what came instead', () => {
    expect(describeAnswer({ a: 1, b: 2 })).toBe('an object with `a`, `b`');
    expect(describeAnswer([])).toBe('a list');
    expect(describeAnswer('x')).toBe('a string');
    expect(describeAnswer(null)).toBe('null');
  });
});
