// `device-login login`: the device flow in a terminal. Human output on stderr (so stdout stays clean
// for scripts), or JSON Lines on stdout with --json (DESIGN.md, command-line contract). The screen is
// fitted to the terminal and redrawn when it is resized (cli/render.ts); the server and client are
// remembered in the token store, so that status, token, logout and the next login need no flags.
import { CLIENT_DEFAULTS } from '../../core/defaults.ts';
import { toDeviceLoginError } from '../../core/errors.ts';
import type { Snapshot } from '../../core/types.ts';
import type { PreparedBrowserSignIn } from '../../host/browser-sign-in.ts';
import { openBrowser, whyNoBrowser } from '../../host/open-browser.ts';
import { commandHelp, parseCommandArgs, usageError, type Flags } from '../args.ts';
import { createCheckNumberPrompt, NO_CHECK_NUMBER_INPUT } from '../check-number.ts';
import { EXIT, type CliIO } from '../io.ts';
import { awaitingBlock, describeProfile, statusLine, type RenderStyle, type TerminalSize } from '../render.ts';
import { createClientContext, type ClientContext } from '../setup.ts';

/** One JSON line of `login --json`: only what DESIGN.md names, never a token or a device code. */
export function jsonLine(snapshot: Snapshot): Record<string, unknown> | undefined {
  const { state } = snapshot;
  switch (state) {
    case 'idle':
      return undefined;
    case 'awaiting_user':
      if (snapshot.method === 'browser') return { state, method: 'browser', authorizationUrl: snapshot.authorizationUrl };
      return {
        state,
        method: 'device',
        userCode: snapshot.userCode,
        // What the TV and the phone show, for a script that displays the code itself.
        displayCode: snapshot.displayCode,
        verificationUri: snapshot.verificationUri,
        ...(snapshot.verificationUriComplete ? { verificationUriComplete: snapshot.verificationUriComplete } : {}),
        expiresAt: snapshot.expiresAt !== undefined ? new Date(snapshot.expiresAt).toISOString() : undefined,
        interval: snapshot.interval,
        network: snapshot.network ?? 'online',
        ...(snapshot.message ? { message: snapshot.message } : {}),
        // The proximity check: approved from another network; write the phone's number to stdin.
        ...(snapshot.proximity ? { proximity: snapshot.proximity } : {}),
      };
    case 'signed_in': {
      const p = snapshot.profile;
      return {
        state,
        profile: p ? { sub: p.sub, name: p.name ?? null, email: p.email ?? null } : null,
        ...(snapshot.notice ? { notice: snapshot.notice } : {}),
      };
    }
    case 'denied':
    case 'expired':
    case 'error':
      return { state, code: snapshot.error?.code ?? state, message: snapshot.error?.message ?? state };
    default:
      return { state };
  }
}

/** The exit code of a settled session (DESIGN.md): 0 signed in, 1 error, 2 configuration, 3 denied, 4 expired. */
export function exitCodeOf(snapshot: Snapshot): number {
  switch (snapshot.state) {
    case 'signed_in':
      return EXIT.ok;
    case 'denied':
      return EXIT.denied;
    case 'expired':
      return EXIT.expired;
    default:
      return snapshot.error?.code === 'configuration' ? EXIT.usage : EXIT.error;
  }
}

/** What --browser asks for: where to listen and how long to wait; usage errors for malformed values. */
export function browserOptions(flags: Flags): { open: boolean; redirectPort?: number; timeoutMs: number } | undefined {
  const port = flags['redirect-port'];
  const timeout = flags.timeout;
  if (flags.browser !== true) {
    const stray = flags['no-open'] ? '--no-open' : port !== undefined ? '--redirect-port' : timeout !== undefined ? '--timeout' : undefined;
    if (stray) throw usageError(`${stray} goes with --browser (see device-login login --help)`);
    return undefined;
  }
  const whole = (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN);
  const redirectPort = port === undefined ? undefined : whole(port);
  if (redirectPort !== undefined && !(redirectPort >= 1 && redirectPort <= 65535)) throw usageError(`--redirect-port must be a port number from 1 to 65535 (got "${String(port)}")`);
  const seconds = timeout === undefined ? CLIENT_DEFAULTS.browserSignInTimeoutSeconds : whole(timeout);
  if (!(seconds >= 1)) throw usageError(`--timeout must be a whole number of seconds, at least 1 (got "${String(timeout)}")`);
  return { open: flags['no-open'] !== true, ...(redirectPort !== undefined ? { redirectPort } : {}), timeoutMs: seconds * 1000 };
}

/** Runs `device-login login`. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const flags = parseCommandArgs('login', argv);
  if (flags.help) {
    io.stdout.write(commandHelp('login'));
    return EXIT.ok;
  }
  const json = flags.json === true;
  let browser = browserOptions(flags);
  // The loopback redirect can only be reached from a browser on this machine: where none can run,
  // a code (which any phone can use) instead; --no-open means someone else opens the address here.
  const noBrowser = browser?.open ? whyNoBrowser(io.env) : undefined;
  if (noBrowser) {
    io.stderr.write(`device-login: no browser can sign in here (${noBrowser}); signing in with a code instead.\n`);
    browser = undefined;
  }
  const emit = (line: Record<string, unknown>) => io.stdout.write(`${JSON.stringify(line)}\n`);

  // Log lines (warnings) must not be drawn into the middle of the live status line; the view exists
  // only once the provider is known, after the logger.
  const live: { view?: HumanView } = {};
  let attempt: PreparedBrowserSignIn | undefined;
  const logStream = {
    write(chunk: string) {
      live.view?.suspend();
      io.stderr.write(chunk);
      live.view?.resume();
    },
  };

  let ctx: ClientContext;
  try {
    ctx = await createClientContext(flags, io, 'login', { logStream });
  } catch (err) {
    const error = toDeviceLoginError(err);
    if (error.code === 'aborted' || io.signal?.aborted) return EXIT.interrupted;
    if (json) emit({ state: 'error', code: error.code, message: error.message });
    io.stderr.write(`device-login: ${error.message}\n`);
    return error.code === 'configuration' || error.code === 'usage' ? EXIT.usage : EXIT.error;
  }

  const { logger, provider } = ctx;
  const session = ctx.openSession();
  const tty = Boolean(io.stderr.isTTY);
  const style: RenderStyle = { color: tty && !io.env.NO_COLOR && io.env.TERM !== 'dumb' };
  const view = json
    ? undefined
    : createHumanView(io, { displayName: provider.displayName, qr: flags['no-qr'] !== true && tty, tty, style });
  live.view = view;

  // The store remembers this server and client for the commands that follow, once the server has
  // accepted the client (it issued a code, or the session is signed in): a mistyped --client-id does
  // not become the default.
  let remembering: Promise<void> | undefined;
  const remember = () => {
    remembering ??= ctx.rememberSignIn().catch((err: unknown) => {
      logger.warn(`could not remember the server in the token store: ${toDeviceLoginError(err).message}`);
    });
  };

  // The proximity check (cli/check-number.ts): the number is read from stdin whenever the server asks.
  const prompt = createCheckNumberPrompt(io, { human: !json });
  let asking = false;
  let inputEnded: () => void = () => undefined;
  const noInput = new Promise<'no_input'>((resolve) => (inputEnded = () => resolve('no_input')));
  const askForCheckNumber = (snapshot: Snapshot) => {
    const check = snapshot.proximity;
    if (snapshot.state !== 'awaiting_user' || !check || check.step === 'checking' || asking) return;
    asking = true;
    void prompt.ask(check).then((number) => {
      asking = false;
      if (number === undefined) inputEnded();
      else session.enterCheckNumber(number);
    });
  };

  let lastKey = '';
  const onSnapshot = (snapshot: Snapshot) => {
    if (snapshot.state === 'awaiting_user' || snapshot.state === 'signed_in') remember();
    // One JSON line per change of state, network status, code or check; interval tweaks are not state changes.
    const key = JSON.stringify([snapshot.state, snapshot.network, snapshot.userCode, snapshot.expiresAt, snapshot.proximity]);
    if (key === lastKey) return;
    lastKey = key;
    if (json) {
      const line = jsonLine(snapshot);
      if (line) emit(line);
    } else {
      view?.update(snapshot);
    }
    askForCheckNumber(snapshot);
  };

  const interrupted = new Promise<'interrupted'>((resolve) => {
    if (io.signal?.aborted) resolve('interrupted');
    io.signal?.addEventListener('abort', () => resolve('interrupted'), { once: true });
  });

  try {
    const restored = await session.restore();
    if (restored.state === 'signed_in') {
      onSnapshot(restored);
      if (!json) {
        io.stderr.write(
          `Already signed in to ${provider.displayName} as ${describeProfile(restored.profile)}. ` +
            `Run device-login logout first to sign in as someone else.\n`,
        );
      }
      return EXIT.ok;
    }
    session.subscribe(onSnapshot);
    if (browser) {
      // A code left pending by an earlier login is given up for the browser asked for now.
      if (restored.state === 'awaiting_user') session.cancel();
      attempt = await ctx.prepareBrowserSignIn({ timeoutMs: browser.timeoutMs, ...(browser.redirectPort !== undefined ? { redirectPort: browser.redirectPort } : {}) });
      const url = attempt.authorizationUrl;
      io.stderr.write(`${browser.open ? 'Opening your browser to sign in. If it does not open, open' : 'To sign in, open'} this address in a browser on this computer:\n  ${url}\n`);
      if (browser.open) {
        void openBrowser(url, io.env).then((opened) => {
          if (!opened) logStream.write('device-login: could not open a browser: open the address above.\n');
        });
      }
      session.signInWithBrowser(attempt);
    } else if (restored.state === 'awaiting_user') {
      if (!json) io.stderr.write('Resuming the sign-in that was already in progress.\n');
      onSnapshot(restored);
    } else {
      session.signIn();
    }
    const outcome = await Promise.race([session.settled(), interrupted, noInput]);
    if (outcome === 'no_input') {
      view?.stop();
      if (json) emit({ state: 'error', code: 'check_number_unavailable', message: NO_CHECK_NUMBER_INPUT });
      io.stderr.write(`${json ? '' : '\n'}device-login: ${NO_CHECK_NUMBER_INPUT}\n`);
      return EXIT.error;
    }
    if (outcome === 'interrupted') {
      view?.stop();
      const pending = session.snapshot();
      if (!json) {
        io.stderr.write(
          pending.state === 'awaiting_user' && pending.expiresAt
            ? `\nStopped. The code stays valid until ${new Date(pending.expiresAt).toLocaleTimeString()}: run device-login login again to continue with it.\n`
            : '\nStopped.\n',
        );
      }
      return EXIT.interrupted;
    }
    onSnapshot(outcome);
    view?.finish(outcome);
    return exitCodeOf(outcome);
  } catch (err) {
    const error = toDeviceLoginError(err);
    view?.stop();
    if (json) emit({ state: 'error', code: error.code, message: logger.scrub(error.message) });
    io.stderr.write(`device-login: ${logger.scrub(error.message)}\n`);
    return EXIT.error;
  } finally {
    view?.stop();
    prompt.close();
    // Closing keeps the pending code in the store: a rerun resumes it (see `login --help`).
    await session.close();
    await attempt?.close();
    await remembering;
  }
}

interface HumanView {
  update(snapshot: Snapshot): void;
  finish(snapshot: Snapshot): void;
  stop(): void;
  /** Clear the live line before someone else writes to stderr ... */
  suspend(): void;
  /** ... and draw it again afterwards. */
  resume(): void;
}

/**
 * Human output on stderr: the code screen once per code, fitted to the terminal and drawn again when
 * the terminal is resized, then a live status line (TTY); plain lines otherwise.
 */
function createHumanView(
  io: CliIO,
  options: { displayName: string; qr: boolean; tty: boolean; style: RenderStyle },
): HumanView {
  const { stderr } = io;
  let ticker: NodeJS.Timeout | undefined;
  let tick = 0;
  let current: Snapshot | undefined;
  let shownCode: string | undefined;
  let liveLine = false;
  let lastNetwork: string | undefined;
  let listening = false;
  let method: Snapshot['method'];

  // A terminal that does not say its size is taken for the classic 80×24.
  const size = (): TerminalSize | undefined =>
    options.tty ? { columns: stderr.columns || 80, rows: stderr.rows || 24 } : undefined;
  const drawScreen = (snapshot: Snapshot) => stderr.write(awaitingBlock(snapshot, { ...options, size: size() }));
  const clearLive = () => {
    if (liveLine) stderr.write('\r\x1b[2K');
    liveLine = false;
  };
  const drawLive = () => {
    if (!current || current.state !== 'awaiting_user') return;
    stderr.write(`\r\x1b[2K${statusLine(current, Date.now(), tick, options.style, size()?.columns)}`);
    liveLine = true;
    tick += 1;
  };
  // After a resize the terminal may have rewrapped the lines drawn for the old width, or cut them: no
  // count of rows to go back over is right in every terminal, so the screen is cleared and drawn anew.
  const onResize = () => {
    if (!current || current.state !== 'awaiting_user' || shownCode === undefined) return;
    stderr.write('\x1b[H\x1b[2J');
    liveLine = false;
    drawScreen(current);
    drawLive();
  };
  const stopTicker = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
    if (listening) stderr.off?.('resize', onResize);
    listening = false;
    clearLive();
  };

  return {
    update(snapshot) {
      current = snapshot;
      if (snapshot.state === 'requesting') {
        stopTicker();
        stderr.write(`Requesting a sign-in code from ${options.displayName}...\n`);
        return;
      }
      if (snapshot.state !== 'awaiting_user') {
        stopTicker();
        return;
      }
      if (snapshot.method === 'browser') {
        if (method !== 'browser') stderr.write('Waiting for you to sign in in the browser...\n');
        method = 'browser';
        return;
      }
      method = 'device';
      if (snapshot.proximity) {
        // The prompt for the check number owns the terminal's last line now: no live line over it.
        stopTicker();
        if (snapshot.proximity.step === 'checking') stderr.write('Checking the number...\n');
        return;
      }
      if (snapshot.userCode !== shownCode) {
        clearLive();
        shownCode = snapshot.userCode;
        lastNetwork = undefined;
        drawScreen(snapshot);
        if (!options.tty && snapshot.expiresAt) {
          stderr.write(`Waiting for approval (the code is valid until ${new Date(snapshot.expiresAt).toISOString()})...\n`);
        }
      }
      if (options.tty) {
        drawLive();
        // A ticker only while a code is on screen; unref so that it never keeps the process alive.
        ticker ??= setInterval(drawLive, 1000).unref();
        if (!listening && stderr.on) {
          stderr.on('resize', onResize);
          listening = true;
        }
      } else if (snapshot.network !== lastNetwork) {
        if (snapshot.network === 'retrying') stderr.write('Cannot reach the server; reconnecting...\n');
        else if (lastNetwork === 'retrying') stderr.write('Reconnected; waiting for approval...\n');
      }
      lastNetwork = snapshot.network;
    },
    finish(snapshot) {
      stopTicker();
      const check = options.style.color ? '\x1b[32m✓\x1b[39m' : '✓';
      const cross = options.style.color ? '\x1b[31m✗\x1b[39m' : '✗';
      switch (snapshot.state) {
        case 'signed_in':
          stderr.write(`${check} Signed in to ${options.displayName} as ${describeProfile(snapshot.profile)}.\n`);
          if (snapshot.notice === 'profile_unavailable') stderr.write('  Your name and email could not be loaded (the log says why); the sign-in is kept.\n');
          return;
        case 'denied':
          stderr.write(
            method === 'browser'
              ? `${cross} The sign-in was refused in the browser. Run device-login login --browser to try again.\n`
              : `${cross} The sign-in was denied on the other device. Run device-login login to try again.\n`,
          );
          return;
        case 'expired':
          stderr.write(
            method === 'browser'
              ? `${cross} device-login: ${snapshot.error?.message ?? 'nobody finished signing in in the browser in time.'}\n`
              : `${cross} The code expired before it was approved. Run device-login login for a new code.\n`,
          );
          return;
        default:
          stderr.write(`${cross} device-login: ${snapshot.error?.message ?? 'the sign-in failed.'}\n`);
      }
    },
    stop: stopTicker,
    suspend: clearLive,
    resume() {
      if (ticker) drawLive();
    },
  };
}
