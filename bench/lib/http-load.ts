// The load generator: form POSTs over node:http with a keep-alive agent (one socket per concurrent
// client), and a closed loop of N clients bounded both in time and in request count.
import { Agent, request } from 'node:http';

/** The device code grant type (RFC 8628 §3.4). */
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface FormAnswer {
  status: number;
  body: Record<string, unknown>;
  /** performance.now() when the whole answer had arrived. */
  at: number;
}

/** A keep-alive agent with room for `sockets` concurrent requests. */
export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

/** POSTs a form and reads the JSON answer; rejects after `timeoutMs`. */
export function postForm(
  agent: Agent,
  url: string,
  form: Record<string, string>,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<FormAnswer> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const at = performance.now();
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown>;
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = { error: 'not_json' };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, at });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${new URL(url).pathname} within ${options.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The outcome of a closed load loop. */
export interface LoopResult {
  /** Requests that completed (any answer). */
  completed: number;
  /** Requests that failed at the transport level. */
  failed: number;
  elapsedMs: number;
  /** Completed requests per second. */
  perSecond: number;
}

/**
 * Runs `concurrency` clients, each sending its next request as soon as the previous one is
 * answered, until `durationMs` has passed, `maxRequests` were started, or `next` says there is no
 * more work (returns false).
 */
export async function closedLoop(options: {
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  next: () => Promise<boolean>;
}): Promise<LoopResult> {
  const started = performance.now();
  const deadline = started + options.durationMs;
  let issued = 0;
  let completed = 0;
  let failed = 0;
  let exhausted = false;
  async function client(): Promise<void> {
    while (!exhausted && issued < options.maxRequests && performance.now() < deadline) {
      issued += 1;
      try {
        const more = await options.next();
        completed += 1;
        if (!more) exhausted = true;
      } catch {
        failed += 1;
        // A transport failure must not spin: give the server a moment.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, () => client()));
  const elapsedMs = performance.now() - started;
  return { completed, failed, elapsedMs, perSecond: (completed / elapsedMs) * 1000 };
}

/** POST /device/auth as the TV client. */
export function requestDeviceCode(agent: Agent, base: string): Promise<FormAnswer> {
  return postForm(agent, `${base}/device/auth`, { client_id: 'tv-demo', scope: 'openid profile email offline_access' });
}

/** One token poll; `wait` adds `Prefer: wait=N`. */
export function pollToken(agent: Agent, base: string, deviceCode: string, options: { wait?: number; timeoutMs?: number } = {}): Promise<FormAnswer> {
  return postForm(
    agent,
    `${base}/token`,
    { client_id: 'tv-demo', grant_type: DEVICE_GRANT, device_code: deviceCode },
    {
      ...(options.wait ? { headers: { prefer: `wait=${options.wait}` } } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    },
  );
}

/** Throughput of one load run: device authorizations, then one pending poll of each code issued. */
export interface Rates {
  authorizationsPerSecond: number;
  pollsPerSecond: number;
  authorizations: number;
  polls: number;
  /** Poll answers that were not authorization_pending (none expected). */
  otherPollAnswers: Record<string, number>;
  failures: number;
  /** Server CPU time (user + system) per request of each phase, when `cpu` was given. */
  cpuMicrosPerAuthorization?: number;
  cpuMicrosPerPoll?: number;
}

/**
 * Warms up, then runs `concurrency` keep-alive clients against `bases` (client i talks to
 * bases[i % n], as a round-robin load balancer would): device authorizations for `durationMs`, then
 * plain RFC 8628 polls (no Prefer header) of the codes just issued, each polled exactly once so that
 * the slow_down rule never applies; any other answer is counted, not hidden.
 */
export async function authorizeThenPoll(
  bases: readonly string[],
  options: { concurrency: number; durationMs: number; cpu?: () => Promise<number> },
): Promise<Rates> {
  const agent = keepAliveAgent(options.concurrency);
  const baseFor = (() => {
    let turn = 0;
    return () => bases[turn++ % bases.length]!;
  })();
  try {
    // Warm-up of both paths (JIT, store caches, keep-alive sockets): without it the first poll
    // phase measured mostly the compiler.
    const warm: string[] = [];
    await closedLoop({
      concurrency: options.concurrency,
      durationMs: 1000,
      maxRequests: 2000,
      next: async () => {
        const answer = await requestDeviceCode(agent, baseFor());
        if (typeof answer.body.device_code === 'string') warm.push(answer.body.device_code);
        return true;
      },
    });
    let w = 0;
    await closedLoop({ concurrency: options.concurrency, durationMs: 1000, maxRequests: warm.length, next: async () => (await pollToken(agent, baseFor(), warm[w++]!), w < warm.length) });

    const cpuAtStart = await options.cpu?.();
    const codes: string[] = [];
    let authErrors = 0;
    const auth = await closedLoop({
      concurrency: options.concurrency,
      durationMs: options.durationMs,
      maxRequests: 200_000,
      next: async () => {
        const answer = await requestDeviceCode(agent, baseFor());
        if (answer.status === 200 && typeof answer.body.device_code === 'string') codes.push(answer.body.device_code);
        else authErrors += 1;
        return true;
      },
    });

    const cpuAfterAuth = await options.cpu?.();
    let index = 0;
    const other: Record<string, number> = {};
    const polls = await closedLoop({
      concurrency: options.concurrency,
      durationMs: options.durationMs,
      maxRequests: codes.length,
      next: async () => {
        const code = codes[index++];
        if (code === undefined) return false;
        const answer = await pollToken(agent, baseFor(), code);
        const error = String(answer.body.error ?? `HTTP ${answer.status}`);
        if (error !== 'authorization_pending') other[error] = (other[error] ?? 0) + 1;
        return index < codes.length;
      },
    });
    const cpuAfterPolls = await options.cpu?.();
    const perRequest = (from: number | undefined, to: number | undefined, count: number): number | undefined =>
      from === undefined || to === undefined || count === 0 ? undefined : Math.round((to - from) / count);
    const cpuAuth = perRequest(cpuAtStart, cpuAfterAuth, auth.completed);
    const cpuPoll = perRequest(cpuAfterAuth, cpuAfterPolls, polls.completed);
    return {
      authorizationsPerSecond: ((auth.completed - authErrors) / auth.elapsedMs) * 1000,
      pollsPerSecond: polls.perSecond,
      authorizations: auth.completed - authErrors,
      polls: polls.completed,
      otherPollAnswers: other,
      failures: auth.failed + polls.failed + authErrors,
      ...(cpuAuth === undefined ? {} : { cpuMicrosPerAuthorization: cpuAuth }),
      ...(cpuPoll === undefined ? {} : { cpuMicrosPerPoll: cpuPoll }),
    };
  } finally {
    agent.destroy();
  }
}

/** Sums two runs' rates (for averaging over rounds). */
export function addRates(into: Rates | undefined, rates: Rates): Rates {
  if (!into) return rates;
  const other = { ...into.otherPollAnswers };
  for (const [k, v] of Object.entries(rates.otherPollAnswers)) other[k] = (other[k] ?? 0) + v;
  return {
    authorizationsPerSecond: into.authorizationsPerSecond + rates.authorizationsPerSecond,
    pollsPerSecond: into.pollsPerSecond + rates.pollsPerSecond,
    authorizations: into.authorizations + rates.authorizations,
    polls: into.polls + rates.polls,
    otherPollAnswers: other,
    failures: into.failures + rates.failures,
    ...sumOptional('cpuMicrosPerAuthorization', into, rates),
    ...sumOptional('cpuMicrosPerPoll', into, rates),
  };
}

function sumOptional(key: 'cpuMicrosPerAuthorization' | 'cpuMicrosPerPoll', a: Rates, b: Rates): Partial<Rates> {
  return a[key] === undefined || b[key] === undefined ? {} : { [key]: a[key] + b[key] };
}

/** The per-second rates of a sum of `rounds` runs, averaged and rounded. */
export function averageRates(total: Rates, rounds: number): Rates {
  return {
    ...total,
    authorizationsPerSecond: Math.round(total.authorizationsPerSecond / rounds),
    pollsPerSecond: Math.round(total.pollsPerSecond / rounds),
    ...(total.cpuMicrosPerAuthorization === undefined ? {} : { cpuMicrosPerAuthorization: Math.round(total.cpuMicrosPerAuthorization / rounds) }),
    ...(total.cpuMicrosPerPoll === undefined ? {} : { cpuMicrosPerPoll: Math.round(total.cpuMicrosPerPoll / rounds) }),
  };
}
