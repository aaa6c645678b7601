// `server`: device authorizations per second and pending polls per second, our server (startServer)
// against plain oidc-provider 9.13.3 on the same SQLite store, each in its own child process, in the
// same run.
//
// Both servers run side by side and take the load in turns of a fraction of a second (bare, ours,
// ours, bare, ...). Rates and CPU per request are summed over the turns; the ratios are the median
// over pairs of neighbouring turns. On two cores shared with other work, load that comes and goes
// moved the ratio of two back-to-back multi-second phases by ±20 % and more; neighbouring short
// turns see nearly the same machine, and the median drops the pairs a burst landed on.
//
// Pending polls are plain RFC 8628 polls (no Prefer header) of codes nobody approved. Every code is
// polled exactly once, with codes made in the authorization phase, so our server's slow_down rule
// (a second poll of one code within its interval) never applies: an answer other than
// authorization_pending is counted and reported, not hidden.
import { closedLoop, keepAliveAgent, pollToken, requestDeviceCode, type Rates } from './lib/http-load.ts';
import { startServerChild, tempDir, type ServerChild } from './lib/processes.ts';
import type { Row } from './lib/stats.ts';
import type { BenchOptions, BenchResult } from './types.ts';

const CONCURRENCY = 16;
/** The target: ours at least this fraction of plain oidc-provider's rate, on the same store. */
const TARGET_RATIO = 0.95;

type Kind = 'bare' | 'ours';

/** One server's totals over its turns of a phase, and the rate of each turn. */
interface Tally {
  completed: number;
  failed: number;
  elapsedMs: number;
  cpuMicros: number;
  perTurn: number[];
}

interface Side {
  kind: Kind;
  server: ServerChild;
  codes: string[];
  auth: Tally;
  poll: Tally;
  other: Record<string, number>;
  authErrors: number;
}

const emptyTally = (): Tally => ({ completed: 0, failed: 0, elapsedMs: 0, cpuMicros: 0, perTurn: [] });

/** Runs one turn of `work` on `side` and adds it to `tally`. */
async function turn(side: Side, tally: Tally, run: () => ReturnType<typeof closedLoop>): Promise<void> {
  const cpuBefore = (await side.server.stats()).cpuMicros;
  const result = await run();
  const cpuAfter = (await side.server.stats()).cpuMicros;
  tally.completed += result.completed;
  tally.failed += result.failed;
  tally.elapsedMs += result.elapsedMs;
  tally.cpuMicros += cpuAfter - cpuBefore;
  tally.perTurn.push((result.completed / result.elapsedMs) * 1000);
}

/**
 * The median over pairs of neighbouring turns of ours ÷ plain: a burst of other work that lands on
 * one turn moves one pair, not the figure.
 */
function pairedRatio(ours: Tally, bare: Tally): number {
  const ratios = ours.perTurn
    .map((rate, i) => rate / (bare.perTurn[i] ?? Number.NaN))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (ratios.length === 0) return Number.NaN;
  const mid = Math.floor(ratios.length / 2);
  return ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
}

/** Runs the throughput comparison. */
export async function run(options: BenchOptions): Promise<BenchResult> {
  const turnMs = options.quick ? 200 : 400;
  const turns = options.quick ? 12 : 30;
  const agent = keepAliveAgent(CONCURRENCY);
  const dirs = [tempDir('server-bare'), tempDir('server-ours')];
  const sides: Side[] = [];
  try {
    for (const [i, kind] of (['bare', 'ours'] as const).entries()) {
      const server = await startServerChild({ kind, dataDir: dirs[i]!.dir });
      sides.push({ kind, server, codes: [], auth: emptyTally(), poll: emptyTally(), other: {}, authErrors: 0 });
    }

    const authorize = (side: Side, durationMs: number, keep: boolean) => () =>
      closedLoop({
        concurrency: CONCURRENCY,
        durationMs,
        maxRequests: 200_000,
        next: async () => {
          const answer = await requestDeviceCode(agent, side.server.direct);
          if (answer.status === 200 && typeof answer.body.device_code === 'string') side.codes.push(answer.body.device_code);
          else if (keep) side.authErrors += 1;
          return true;
        },
      });
    const poll = (side: Side, durationMs: number, count: boolean) => () =>
      closedLoop({
        concurrency: CONCURRENCY,
        durationMs,
        maxRequests: side.codes.length,
        next: async () => {
          const code = side.codes.shift();
          if (code === undefined) return false;
          const answer = await pollToken(agent, side.server.direct, code);
          const error = String(answer.body.error ?? `HTTP ${answer.status}`);
          if (count && error !== 'authorization_pending') side.other[error] = (side.other[error] ?? 0) + 1;
          return side.codes.length > 0;
        },
      });

    // Warm-up of both paths on both servers (JIT, store caches, keep-alive sockets): without it the
    // first poll turns measured mostly the compiler.
    for (const side of sides) {
      await authorize(side, 1000, false)();
      await poll(side, 1000, false)();
      side.codes.length = 0;
    }

    // bare, ours | ours, bare | ...: each side goes first in half of the pairs.
    const order = (pair: number): Side[] => (pair % 2 === 0 ? sides : [...sides].reverse());
    for (let pair = 0; pair < turns; pair += 1) {
      for (const side of order(pair)) await turn(side, side.auth, authorize(side, turnMs, true));
    }
    // As many poll turns on each side, while both still have codes left to poll.
    for (let pair = 0; pair < turns && sides.every((side) => side.codes.length > 0); pair += 1) {
      for (const side of order(pair)) await turn(side, side.poll, poll(side, turnMs, true));
    }
  } finally {
    agent.destroy();
    await Promise.all(sides.map((side) => side.server.stop()));
    for (const dir of dirs) dir.remove();
  }

  const rates = (side: Side): Rates => ({
    authorizationsPerSecond: Math.round(((side.auth.completed - side.authErrors) / side.auth.elapsedMs) * 1000),
    pollsPerSecond: Math.round((side.poll.completed / side.poll.elapsedMs) * 1000),
    authorizations: side.auth.completed - side.authErrors,
    polls: side.poll.completed,
    otherPollAnswers: side.other,
    failures: side.auth.failed + side.poll.failed + side.authErrors,
    ...(side.auth.completed ? { cpuMicrosPerAuthorization: Math.round(side.auth.cpuMicros / side.auth.completed) } : {}),
    ...(side.poll.completed ? { cpuMicrosPerPoll: Math.round(side.poll.cpuMicros / side.poll.completed) } : {}),
  });
  const b = rates(sides[0]!);
  const o = rates(sides[1]!);
  const ratioAuthorizations = pairedRatio(sides[1]!.auth, sides[0]!.auth);
  const ratioPolls = pairedRatio(sides[1]!.poll, sides[0]!.poll);
  const ratioVsBare = Math.round(Math.min(ratioAuthorizations, ratioPolls) * 100) / 100;
  const target = `>= ${TARGET_RATIO}`;
  const rows: Row[] = [
    { figure: 'device authorizations/s, ours', value: String(o.authorizationsPerSecond) },
    { figure: 'device authorizations/s, plain oidc-provider', value: String(b.authorizationsPerSecond) },
    { figure: 'ratio (authorizations), median of paired turns', value: ratioAuthorizations.toFixed(2), target, pass: ratioAuthorizations >= TARGET_RATIO },
    { figure: 'pending polls/s, ours', value: String(o.pollsPerSecond) },
    { figure: 'pending polls/s, plain oidc-provider', value: String(b.pollsPerSecond) },
    { figure: 'ratio (polls), median of paired turns', value: ratioPolls.toFixed(2), target, pass: ratioPolls >= TARGET_RATIO },
    { figure: 'server.ratioVsBare (the lower)', value: ratioVsBare.toFixed(2), target, pass: ratioVsBare >= TARGET_RATIO },
    // Less noisy than rates on a shared two-core machine: the server's own CPU time per request.
    { figure: 'server CPU per authorization: ours / plain', value: `${o.cpuMicrosPerAuthorization ?? '?'} / ${b.cpuMicrosPerAuthorization ?? '?'} µs` },
    { figure: 'server CPU per pending poll: ours / plain', value: `${o.cpuMicrosPerPoll ?? '?'} / ${b.cpuMicrosPerPoll ?? '?'} µs` },
  ];
  const otherAnswers = Object.entries(o.otherPollAnswers).concat(Object.entries(b.otherPollAnswers));
  if (otherAnswers.length || o.failures || b.failures) {
    rows.push({ figure: 'non-pending poll answers / failures', value: `${JSON.stringify({ ours: o.otherPollAnswers, bare: b.otherPollAnswers })} / ${o.failures + b.failures}` });
  }
  return {
    title: `server throughput (${CONCURRENCY} keep-alive clients, ${turns} turns of ${turnMs} ms per server and phase, interleaved)`,
    rows,
    json: {
      server: {
        ratioVsBare,
        ratioAuthorizations: Math.round(ratioAuthorizations * 100) / 100,
        ratioPolls: Math.round(ratioPolls * 100) / 100,
        target: TARGET_RATIO,
        ours: o,
        bare: b,
        concurrency: CONCURRENCY,
        turns,
        turnMs,
      },
    },
  };
}
