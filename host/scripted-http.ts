// An HttpClient (core/ports.ts) that answers from a script instead of the network: each request goes
// to the route of its method and URL, which answers at once, later, or not at all. It lets the real
// controller and reducer be driven to a chosen screen with no server (host/preview.ts). A held answer
// is held for as long as the script says: the request's timeout is not applied, so that a screen that
// waits (a code being requested, a sign-out being confirmed) stays on screen; its signal still cancels it.
import { DeviceLoginError } from '../core/errors.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../core/ports.ts';

/** What a route answers: a status and a body (an object is sent as JSON). */
export interface ScriptedAnswer {
  status: number;
  body?: string | object;
  headers?: Record<string, string>;
}

/** Answers one request: now, later (a promise), or never (a promise that does not settle). */
export type ScriptedRoute = (request: HttpRequest) => ScriptedAnswer | Promise<ScriptedAnswer>;

/** A promise that never settles: a server that holds the request until the caller gives up. */
export function heldForever(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/** An HttpClient whose routes are keyed `METHOD url` (e.g. `POST https://id.example/token`); other URLs answer 404. */
export function createScriptedHttpClient(routes: Record<string, ScriptedRoute>): HttpClient {
  return {
    async request(request) {
      const route = routes[`${request.method} ${request.url}`];
      const answer = route ? Promise.resolve(route(request)) : Promise.resolve({ status: 404, body: { error: 'not_found' } });
      const signal = request.signal;
      if (!signal) return toResponse(await answer);
      if (signal.aborted) throw aborted();
      let onAbort = () => undefined as void;
      const cancelled = new Promise<never>((_, reject) => {
        onAbort = () => reject(aborted());
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return toResponse(await Promise.race([answer, cancelled]));
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

function aborted(): DeviceLoginError {
  return new DeviceLoginError('aborted', 'The request was cancelled.');
}

function toResponse(answer: ScriptedAnswer): HttpResponse {
  const json = typeof answer.body === 'object';
  return {
    status: answer.status,
    headers: {
      ...(json ? { 'content-type': 'application/json' } : {}),
      // The port promises lower-case names.
      ...Object.fromEntries(Object.entries(answer.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
    },
    body: answer.body === undefined ? '' : json ? JSON.stringify(answer.body) : String(answer.body),
  };
}
