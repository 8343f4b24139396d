// A tiny SMTP server on 127.0.0.1 for tests of code that sends e-mail: it speaks enough of RFC 5321
// for a real client (nodemailer) — greeting, EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA
// with dot-unstuffing, RSET, NOOP, QUIT — and keeps each message it accepts, decoded enough to
// assert on (headers, and a quoted-printable or base64 text body).
//
//   const smtp = await startSmtp();
//   … SMTP_URL = `smtp://user:pass@127.0.0.1:${smtp.port}` …
//   expect(smtp.messages[0].subject).toBe('…');
//   await smtp.close();
//
// `fail` makes it refuse a stage with a 5xx reply; `hang` makes it accept connections and say
// nothing, to test timeouts. No STARTTLS is offered, so a client talks plain text.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SmtpMessage {
  from: string;
  to: string[];
  /** The raw message as received (dot-unstuffed, CRLF line ends). */
  raw: string;
  headers: Record<string, string>;
  /** The Subject header, encoded words decoded. */
  subject: string;
  /** The text body, transfer encoding decoded. */
  text: string;
  /** The login the client gave, when it gave one. */
  auth?: { user: string; pass: string };
}

export interface SmtpOptions {
  /** Refuse this stage with a permanent error. */
  fail?: 'auth' | 'rcpt' | 'data';
  /** Accept connections, never greet. */
  hang?: boolean;
}

export interface LoopbackSmtp {
  port: number;
  host: string;
  messages: SmtpMessage[];
  /** Connections opened, including ones that sent nothing. */
  connections: number;
  close(): Promise<void>;
}

export async function startSmtp(options: SmtpOptions = {}): Promise<LoopbackSmtp> {
  const messages: SmtpMessage[] = [];
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (options.hang) return;
    socket.setEncoding('utf8');
    const reply = (line: string) => socket.write(`${line}\r\n`);
    let buffer = '';
    let mode: 'command' | 'data' | 'auth-user' | 'auth-pass' | 'auth-plain' = 'command';
    let from = '';
    let to: string[] = [];
    let data: string[] = [];
    let auth: SmtpMessage['auth'];
    let loginUser = '';
    const login = (user: string, pass: string) => {
      if (options.fail === 'auth') return reply('535 5.7.8 Authentication credentials invalid');
      auth = { user, pass };
      reply('235 2.7.0 Authentication successful');
    };
    const plain = (b64: string) => {
      const [, user = '', pass = ''] = Buffer.from(b64, 'base64').toString('utf8').split('\0');
      login(user, pass);
    };
    reply('220 127.0.0.1 ESMTP loopback test server');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let at: number;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (mode === 'data') {
          if (line === '.') {
            mode = 'command';
            if (options.fail === 'data') {
              reply('554 5.6.0 Message refused');
              continue;
            }
            const raw = data.join('\r\n');
            messages.push({ from, to, raw, ...parse(raw), ...(auth ? { auth } : {}) });
            reply('250 2.0.0 OK queued');
            from = '';
            to = [];
          } else data.push(line.startsWith('.') ? line.slice(1) : line);
          continue;
        }
        if (mode === 'auth-user') {
          loginUser = Buffer.from(line, 'base64').toString('utf8');
          mode = 'auth-pass';
          reply(`334 ${Buffer.from('Password:').toString('base64')}`);
          continue;
        }
        if (mode === 'auth-pass') {
          mode = 'command';
          login(loginUser, Buffer.from(line, 'base64').toString('utf8'));
          continue;
        }
        if (mode === 'auth-plain') {
          mode = 'command';
          plain(line);
          continue;
        }
        const [verb = '', ...rest] = line.split(' ');
        const arg = rest.join(' ');
        switch (verb.toUpperCase()) {
          case 'EHLO':
            socket.write('250-127.0.0.1 greets you\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
            break;
          case 'HELO':
            reply('250 127.0.0.1');
            break;
          case 'AUTH': {
            const [mechanism = '', initial] = arg.split(' ');
            if (mechanism.toUpperCase() === 'PLAIN') {
              if (initial) plain(initial);
              else {
                mode = 'auth-plain';
                reply('334 ');
              }
            } else if (mechanism.toUpperCase() === 'LOGIN') {
              if (initial) {
                loginUser = Buffer.from(initial, 'base64').toString('utf8');
                mode = 'auth-pass';
                reply(`334 ${Buffer.from('Password:').toString('base64')}`);
              } else {
                mode = 'auth-user';
                reply(`334 ${Buffer.from('Username:').toString('base64')}`);
              }
            } else reply('504 5.5.4 Unrecognized authentication type');
            break;
          }
          case 'MAIL':
            from = /<([^>]*)>/.exec(arg)?.[1] ?? '';
            reply('250 2.1.0 OK');
            break;
          case 'RCPT':
            if (options.fail === 'rcpt') {
              reply('550 5.1.1 Mailbox unavailable');
              break;
            }
            to.push(/<([^>]*)>/.exec(arg)?.[1] ?? '');
            reply('250 2.1.5 OK');
            break;
          case 'DATA':
            mode = 'data';
            data = [];
            reply('354 End data with <CR><LF>.<CR><LF>');
            break;
          case 'RSET':
            from = '';
            to = [];
            reply('250 2.0.0 OK');
            break;
          case 'NOOP':
            reply('250 2.0.0 OK');
            break;
          case 'QUIT':
            reply('221 2.0.0 Bye');
            socket.end();
            break;
          default:
            reply('502 5.5.2 Command not implemented');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    host: '127.0.0.1',
    messages,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Headers (unfolded, names lowercased), the decoded subject and the decoded text body. */
function parse(raw: string): { headers: Record<string, string>; subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 4) : '';
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  const text =
    encoding === 'quoted-printable' ? quotedPrintable(body) : encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  return { headers, subject: decodeWords(headers.subject ?? ''), text: text.replace(/\r\n/g, '\n') };
}

function quotedPrintable(body: string): string {
  const softBreaks = body.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < softBreaks.length; i++) {
    const c = softBreaks[i]!;
    if (c === '=' && /^[0-9A-F]{2}$/i.test(softBreaks.slice(i + 1, i + 3))) {
      bytes.push(parseInt(softBreaks.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`), adjacent ones joined. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, kind: string, text: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : quotedPrintable(text.replace(/_/g, ' ')),
    );
}
