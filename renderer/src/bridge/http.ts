// The bridge over HTTP, for the browser host: state from GET + server-sent events, actions as POSTs
// with JSON bodies, all same-origin (the host serves this page at /tv).
import {
  BRIDGE_HEARTBEAT_MS,
  BRIDGE_ROUTES,
  type Catalog,
  type DeviceBridge,
  type HostConnection,
  type Language,
  type ViewState,
} from '../../../host/contract.ts';

const RECONNECT_INITIAL_MS = 1000;
// The host is a process on this machine: once it is back, the TV should be too, within seconds.
const RECONNECT_MAX_MS = 4_000;
/** Silence on the stream for this long (about two missed heartbeats) means the host is gone or hangs. */
const HOST_SILENCE_MS = Math.round(BRIDGE_HEARTBEAT_MS * 2.5);

async function readJson<T>(response: Response, what: string): Promise<T> {
  if (!response.ok) throw new Error(`The TV service answered ${response.status} to ${what}.`);
  return (await response.json()) as T;
}

async function post(path: string, what: string, body: unknown = {}): Promise<void> {
  await postFor(path, what, body);
}

async function postFor(path: string, what: string, body: unknown = {}): Promise<Response> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (!response.ok) throw new Error(`The TV service answered ${response.status} to ${what}.`);
  return response;
}

/**
 * Sign in on this computer: the host prepares the sign-in and answers the authorization server's
 * address, which this page opens in a new tab (a tab opened by a page needs the person's press, which
 * is still fresh: the answer comes from this machine in milliseconds). The address holds no secret:
 * a PKCE challenge, a state and a nonce; the code comes back to the host's loopback listener, never
 * here. The tab gets neither this page (noopener) nor its address (noreferrer).
 */
async function signInOnThisComputer(): Promise<void> {
  const response = await postFor(BRIDGE_ROUTES.signInOnThisComputer, 'sign in on this computer');
  const { authorizationUrl } = (await response.json()) as { authorizationUrl?: unknown };
  if (typeof authorizationUrl !== 'string') return; // another sign-in is under way
  if (!/^https?:$/.test(new URL(authorizationUrl).protocol)) throw new Error('The sign-in address is not a web address.');
  window.open(authorizationUrl, '_blank', 'noopener,noreferrer');
}

/**
 * One EventSource shared by every listener. The browser retries a dropped stream by itself, but
 * gives up for good on an HTTP error (readyState CLOSED), e.g. while the host restarts: then we open
 * a new one with capped exponential backoff and fetch the state once, so nothing missed is lost.
 * The host is `lost` at once when the stream fails, and when it has been silent for about two
 * heartbeats (a host that hangs, or a connection that died without a word): then the stream is
 * opened afresh. It is `connected` again with the first event of a stream.
 */
function createStateStream(onState: (state: ViewState) => void, onConnection: (connection: HostConnection) => void) {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let silence: ReturnType<typeof setTimeout> | undefined;
  let delay = RECONNECT_INITIAL_MS;
  let stopped = false;

  const reopenLater = () => {
    source?.close();
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      open();
      refresh();
    }, delay);
    delay = Math.min(RECONNECT_MAX_MS, delay * 2);
  };

  const heard = () => {
    onConnection('connected');
    if (silence !== undefined) clearTimeout(silence);
    silence = setTimeout(() => {
      silence = undefined;
      if (stopped) return;
      onConnection('lost');
      reopenLater();
    }, HOST_SILENCE_MS);
  };

  const refresh = () => {
    fetch(BRIDGE_ROUTES.state, { headers: { accept: 'application/json' } })
      .then((response) => readJson<ViewState>(response, 'the state request'))
      .then((state) => {
        if (!stopped) onState(state);
      })
      .catch(() => undefined); // The stream's own retry reports the outage.
  };

  const open = () => {
    source = new EventSource(BRIDGE_ROUTES.events);
    source.addEventListener('open', () => {
      delay = RECONNECT_INITIAL_MS;
    });
    source.addEventListener('heartbeat', heard);
    source.addEventListener('state', (event) => {
      heard();
      try {
        onState(JSON.parse((event as MessageEvent<string>).data) as ViewState);
      } catch {
        // A malformed event is dropped; the next one carries the whole state again.
      }
    });
    source.addEventListener('error', () => {
      if (stopped || !source) return;
      // The stream broke: the host is not there now (the browser itself retries a CONNECTING stream).
      onConnection('lost');
      if (source.readyState !== EventSource.CLOSED) return;
      reopenLater();
    });
  };

  open();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    if (silence !== undefined) clearTimeout(silence);
    source?.close();
  };
}

async function fetchState(): Promise<ViewState> {
  return readJson<ViewState>(await fetch(BRIDGE_ROUTES.state, { headers: { accept: 'application/json' } }), 'the state request');
}

/** How the page was opened: `signIn` when it should ask for a code at once (the `?signin` deep link). */
export interface HttpBridgeOptions {
  signIn?: boolean;
}

/**
 * The DeviceBridge of the browser host (BRIDGE_ROUTES on the page's own origin). The first state is
 * asked for, and the state stream opened, as soon as the bridge is made, while the page's script is
 * still starting, instead of after React's first render: the latest state from the stream is handed
 * to each new listener. With `signIn`, the sign-in is posted first, so that the code is being
 * requested while the page starts and the first state is not the Welcome screen.
 */
export function createHttpBridge(options: HttpBridgeOptions = {}): DeviceBridge {
  const listeners = new Set<(state: ViewState) => void>();
  const connectionListeners = new Set<(connection: HostConnection) => void>();
  let closeStream: (() => void) | undefined;
  let latest: ViewState | undefined;
  let connection: HostConnection | undefined;
  const openStream = () => {
    closeStream ??= createStateStream(
      (state) => {
        latest = state;
        for (const each of listeners) each(state);
      },
      (next) => {
        if (next === connection) return;
        connection = next;
        for (const each of connectionListeners) each(next);
      },
    );
  };
  const started = options.signIn ? post(BRIDGE_ROUTES.signIn, 'sign in').catch(() => undefined) : Promise.resolve();
  // Taken by the first getState(); a failure is that call's failure, and later calls fetch afresh.
  let first: Promise<ViewState> | undefined = started.then(fetchState);
  first.catch(() => undefined); // handled when taken
  void started.then(openStream);

  return {
    getState() {
      const early = first;
      first = undefined;
      return early ?? fetchState();
    },
    onState(listener) {
      listeners.add(listener);
      openStream();
      const known = latest;
      if (known) queueMicrotask(() => listeners.has(listener) && listener(known));
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          closeStream?.();
          closeStream = undefined;
          latest = undefined;
        }
      };
    },
    signIn: () => post(BRIDGE_ROUTES.signIn, 'sign in'),
    signInOnThisComputer,
    cancel: () => post(BRIDGE_ROUTES.cancel, 'cancel'),
    newCode: () => post(BRIDGE_ROUTES.newCode, 'a new code'),
    enterCheckNumber: (checkNumber: string) => post(BRIDGE_ROUTES.checkNumber, 'the check number', { checkNumber }),
    signOut: () => post(BRIDGE_ROUTES.signOut, 'sign out'),
    async getCatalog() {
      return readJson<Catalog>(await fetch(BRIDGE_ROUTES.catalog, { headers: { accept: 'application/json' } }), 'the catalogue request');
    },
    setLanguage: (language: Language) => post(BRIDGE_ROUTES.language, 'the language change', { language }),
    onConnection(listener) {
      connectionListeners.add(listener);
      const known = connection;
      if (known) queueMicrotask(() => connectionListeners.has(listener) && listener(known));
      return () => connectionListeners.delete(listener);
    },
  };
}
