// The ports through which core/ reaches the world. Adapters live in host/ (axios, files, console).
import type { StoredSession } from './types.ts';

export interface HttpRequest {
  /** DELETE for resource servers' APIs (the account website's devices API); OAuth endpoints take GET and POST. */
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /** Header names are case-insensitive; adapters add `Accept: application/json` unless given. */
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Sent as application/json (never together with `form`): providers whose API takes JSON bodies (AWS). */
  json?: Record<string, unknown>;
  /** Per-request timeout; the adapter rejects with code `timeout` when it passes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The raw body as text: parsing belongs to the normalisation layer. */
  body: string;
}

/**
 * Resolves for every HTTP status (a status is data, not an exception). Rejects only with a
 * DeviceLoginError whose code is `network`, `timeout` or `aborted`; a `network` error is marked
 * `unsent` when the request cannot have reached the server (the connection was refused, the name
 * did not resolve, there was no route).
 */
export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`; rejects with a DeviceLoginError `aborted` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Persistence of one StoredSession per key (issuer + client id). */
export interface TokenStore {
  load(key: string): Promise<StoredSession | undefined>;
  save(key: string, value: StoredSession): Promise<void>;
  remove(key: string): Promise<void>;
  /**
   * Runs `work` while no other program sharing this store runs one (a lock on the store). Refresh
   * tokens rotate, and one used twice revokes the whole grant, so two programs (two scripts calling
   * `token`, the TV app and the CLI) must never refresh the same session at once. A store only one
   * program uses may leave it out.
   */
  exclusive?<T>(work: () => Promise<T>): Promise<T>;
}

/** Structured logger. Adapters must redact tokens, device codes and secrets in `fields`. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface Ports {
  http: HttpClient;
  clock: Clock;
  store: TokenStore;
  logger: Logger;
  /** Uniform in [0, 1): backoff jitter. Defaults to Math.random. */
  random?: () => number;
}
