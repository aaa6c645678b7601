import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { isAxiosError } from 'axios';
import { CLIENT_DEFAULTS } from '../core/defaults.ts';
import { DeviceLoginError } from '../core/errors.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../core/ports.ts';
import pkg from '../package.json' with { type: 'json' };

/**
 * Failures before a connection existed: the server cannot have seen the request. (A reset or a
 * timeout may come after the server read it, so those are not in here.)
 */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** Options of the axios HttpClient adapter. */
export interface AxiosHttpClientOptions {
  /** Used when a request names no timeout (default CLIENT_DEFAULTS.requestTimeoutMs). */
  defaultTimeoutMs?: number;
  /** Bodies larger than this are refused (default CLIENT_DEFAULTS.maxResponseBytes). */
  maxBodyBytes?: number;
  userAgent?: string;
  /**
   * The local IP address every request leaves from. For tests and demos only: with the server on
   * 127.0.0.1, a device whose requests come from 127.0.0.2 stands in for a device on another network
   * than the phone's (the embedded server then asks for the proximity check number).
   */
  localAddress?: string | undefined;
}

/**
 * The HttpClient port over axios. Every HTTP status resolves as data; only transport failures reject,
 * as DeviceLoginError `network`, `timeout` or `aborted`. The timeout covers the whole exchange, not
 * just socket idleness, so a server that drips its answer is cut off too.
 */
export function createAxiosHttpClient(options: AxiosHttpClientOptions = {}): HttpClient {
  const defaultTimeoutMs = options.defaultTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs;
  const instance = axios.create({
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxRedirects: 0,
    maxContentLength: options.maxBodyBytes ?? CLIENT_DEFAULTS.maxResponseBytes,
    proxy: false,
    ...(options.localAddress
      ? {
          httpAgent: new HttpAgent({ keepAlive: true, localAddress: options.localAddress }),
          httpsAgent: new HttpsAgent({ keepAlive: true, localAddress: options.localAddress }),
        }
      : {}),
  });

  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const timeoutMs = req.timeoutMs ?? defaultTimeoutMs;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
      const headers: Record<string, string> = {
        accept: 'application/json',
        'user-agent': options.userAgent ?? `device-login/${pkg.version}`,
      };
      for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
      let data: string | undefined;
      if (req.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        data = new URLSearchParams(req.form).toString();
      } else if (req.json) {
        headers['content-type'] = 'application/json';
        data = JSON.stringify(req.json);
      }
      try {
        const res = await instance.request<string>({ method: req.method, url: req.url, headers, data, signal });
        return { status: res.status, headers: lowerCaseHeaders(res.headers), body: stringBody(res.data) };
      } catch (err) {
        if (req.signal?.aborted) throw new DeviceLoginError('aborted', 'The request was cancelled.', { cause: err });
        if (timeout.aborted) {
          throw new DeviceLoginError('timeout', `No answer from ${origin(req.url)} within ${timeoutMs} ms.`, {
            cause: err,
          });
        }
        const detail = isAxiosError(err) ? (err.code ?? err.message) : String(err);
        throw new DeviceLoginError('network', `Could not reach ${origin(req.url)} (${detail}).`, {
          cause: err,
          unsent: isAxiosError(err) && NOT_SENT.has(err.code ?? ''),
        });
      }
    },
  };
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers && typeof headers === 'object') {
    const plain = 'toJSON' in headers && typeof headers.toJSON === 'function' ? headers.toJSON() : headers;
    for (const [name, value] of Object.entries(plain as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  }
  return out;
}

function stringBody(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data === undefined || data === null) return '';
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return new TextDecoder().decode(data as ArrayBuffer);
  return JSON.stringify(data);
}

/** Only the origin goes into messages: a URL's query could carry a secret. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the server';
  }
}
