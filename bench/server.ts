// `server`: device authorizations per second and pending polls per second, our server (startServer)
// against plain oidc-provider 9.13.3 on the same SQLite store, each in its own child process, in the
// same run. Rounds alternate the order (bare, ours, ours, bare) so that neither side always runs on
// a warmer or a busier machine.
//
// Pending polls are plain RFC 8628 polls (no Prefer header) of codes nobody approved. Every code is
// polled exactly once, with codes made in the authorization phase, so our server's slow_down rule
// (a second poll of one code within its interval) never applies: an answer other than
// authorization_pending is counted and reported, not hidden.
import { addRates, authorizeThenPoll, averageRates, type Rates } from './lib/http-load.ts';
import { startServerChild, tempDir } from './lib/processes.ts';
import type { Row } from './lib/stats.ts';
import type { BenchOptions, BenchResult } from './types.ts';

const CONCURRENCY = 16;

async function measure(kind: 'ours' | 'bare', durationMs: number): Promise<Rates> {
  const data = tempDir(`server-${kind}`);
  const server = await startServerChild({ kind, dataDir: data.dir });
  try {
    return await authorizeThenPoll([server.direct], { concurrency: CONCURRENCY, durationMs, cpu: async () => (await server.stats()).cpuMicros });
  } finally {
    await server.stop();
    data.remove();
  }
}

/** Runs the throughput comparison. */
export async function run(options: BenchOptions): Promise<BenchResult> {
  const durationMs = options.quick ? 2000 : 5000;
  const order: Array<'ours' | 'bare'> = options.quick ? ['bare', 'ours'] : ['bare', 'ours', 'ours', 'bare'];
  let ours: Rates | undefined;
  let bare: Rates | undefined;
  for (const kind of order) {
    const rates = await measure(kind, durationMs);
    if (kind === 'ours') ours = addRates(ours, rates);
    else bare = addRates(bare, rates);
  }
  const rounds = order.length / 2;
  const o = averageRates(ours!, rounds);
  const b = averageRates(bare!, rounds);
  const ratioAuthorizations = o.authorizationsPerSecond / b.authorizationsPerSecond;
  const ratioPolls = o.pollsPerSecond / b.pollsPerSecond;
  const ratioVsBare = Math.round(Math.min(ratioAuthorizations, ratioPolls) * 100) / 100;
  const rows: Row[] = [
    { figure: 'device authorizations/s, ours', value: String(o.authorizationsPerSecond) },
    { figure: 'device authorizations/s, plain oidc-provider', value: String(b.authorizationsPerSecond) },
    { figure: 'ratio (authorizations)', value: ratioAuthorizations.toFixed(2), target: '>= 0.8', pass: ratioAuthorizations >= 0.8 },
    { figure: 'pending polls/s, ours', value: String(o.pollsPerSecond) },
    { figure: 'pending polls/s, plain oidc-provider', value: String(b.pollsPerSecond) },
    { figure: 'ratio (polls)', value: ratioPolls.toFixed(2), target: '>= 0.8', pass: ratioPolls >= 0.8 },
    { figure: 'server.ratioVsBare (the lower)', value: ratioVsBare.toFixed(2), target: '>= 0.8', pass: ratioVsBare >= 0.8 },
    // Less noisy than rates on a shared two-core machine: the server's own CPU time per request.
    { figure: 'server CPU per authorization: ours / plain', value: `${o.cpuMicrosPerAuthorization ?? '?'} / ${b.cpuMicrosPerAuthorization ?? '?'} µs` },
    { figure: 'server CPU per pending poll: ours / plain', value: `${o.cpuMicrosPerPoll ?? '?'} / ${b.cpuMicrosPerPoll ?? '?'} µs` },
  ];
  const otherAnswers = Object.entries(o.otherPollAnswers).concat(Object.entries(b.otherPollAnswers));
  if (otherAnswers.length || o.failures || b.failures) {
    rows.push({ figure: 'non-pending poll answers / failures', value: `${JSON.stringify({ ours: o.otherPollAnswers, bare: b.otherPollAnswers })} / ${o.failures + b.failures}` });
  }
  return {
    title: `server throughput (${CONCURRENCY} keep-alive clients, ${durationMs / 1000} s per phase, ${rounds} round(s) per server)`,
    rows,
    json: {
      server: {
        ratioVsBare,
        ratioAuthorizations: Math.round(ratioAuthorizations * 100) / 100,
        ratioPolls: Math.round(ratioPolls * 100) / 100,
        ours: o,
        bare: b,
        concurrency: CONCURRENCY,
        phaseSeconds: durationMs / 1000,
        rounds,
      },
    },
  };
}
