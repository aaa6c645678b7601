// The loopback redirect listener of a native app (RFC 8252 §7.3): http://127.0.0.1:<port>/callback,
// listening only for as long as one sign-in. Each callback is held open until the sign-in decides
// what to say, so the person reads the outcome (signed in, or what went wrong), not a blank page.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeviceLoginError } from '../core/errors.ts';
import { redirectLang, redirectPage, type RedirectLang, type RedirectPageKind, type RedirectReturn } from './redirect-page.ts';

/** One request that reached /callback. */
export interface RedirectCallback {
  params: URLSearchParams;
  lang: RedirectLang;
  /** Answers the browser with the page of `kind` (once). */
  answer(kind: RedirectPageKind, detail?: string): void;
}

/** A listener for one sign-in. */
export interface LoopbackRedirect {
  /** http://127.0.0.1:<port>/callback */
  readonly redirectUri: string;
  /** The next callback; rejects with DeviceLoginError `aborted` when `signal` aborts. */
  next(signal: AbortSignal): Promise<RedirectCallback>;
  /** Stops listening and answers callbacks still held. */
  close(): Promise<void>;
}

const PATH = '/callback';

/**
 * Listens on 127.0.0.1 (never 0.0.0.0: the redirect is this machine's alone) on `port`, or a free one;
 * its pages send the person back to `returnTo` (default the terminal).
 * Throws DeviceLoginError `configuration` when the port is taken.
 */
export async function listenForRedirect(options: { port?: number; returnTo?: RedirectReturn } = {}): Promise<LoopbackRedirect> {
  const queue: RedirectCallback[] = [];
  const waiting: Array<(callback: RedirectCallback) => void> = [];
  const held = new Set<ServerResponse>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== PATH) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    held.add(res);
    let answered = false;
    const callback: RedirectCallback = {
      params: url.searchParams,
      lang: redirectLang(req.headers['accept-language']),
      answer(kind, detail) {
        if (answered) return;
        answered = true;
        held.delete(res);
        res
          .writeHead(kind === 'signed_in' ? 200 : 400, {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
            'content-security-policy': "default-src 'none'",
            'referrer-policy': 'no-referrer',
            connection: 'close',
          })
          .end(redirectPage(kind, callback.lang, detail, options.returnTo));
      },
    };
    const take = waiting.shift();
    if (take) take(callback);
    else queue.push(callback);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DeviceLoginError(
          'configuration',
          err.code === 'EADDRINUSE' ? `Port ${options.port} on 127.0.0.1 is taken: choose another --redirect-port, or leave it out for a free one.` : `Cannot listen for the browser's answer on 127.0.0.1: ${err.message}`,
          { cause: err },
        ),
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    redirectUri: `http://127.0.0.1:${port}${PATH}`,
    next(signal) {
      const ready = queue.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const aborted = () => {
          const index = waiting.indexOf(take);
          if (index >= 0) waiting.splice(index, 1);
          reject(new DeviceLoginError('aborted', 'The sign-in was cancelled.'));
        };
        const take = (callback: RedirectCallback) => {
          signal.removeEventListener('abort', aborted);
          resolve(callback);
        };
        if (signal.aborted) return aborted();
        signal.addEventListener('abort', aborted, { once: true });
        waiting.push(take);
      });
    },
    async close() {
      for (const callback of queue.splice(0)) callback.answer('failed');
      for (const res of [...held]) if (!res.headersSent) res.writeHead(503).end();
      held.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
