import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {interruptible} from '../cli/interrupt.js'
import {keyValues, style} from '../cli/output.js'
import {StatusLine} from '../cli/status-line.js'
import {FUNNEL, FUNNEL_CONTINUE} from '../lib/clickstream/funnel.js'
import {PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_RECORDS} from '../lib/kinesis/limits.js'
import {MAX_CONCURRENCY, MAX_LAMBDA_WORKERS, MAX_LOCAL_WORKERS, SEND_DEFAULTS, WORKERS_ON} from '../lib/send/defaults.js'
import type {SendInput} from '../lib/send/options.js'
import type {SendResult} from '../lib/send/result.js'

export type {SendResult} from '../lib/send/result.js'

export default class Send extends BaseCommand<typeof Send> {
  static override summary = 'Send a synthetic clickstream to the stream, the ingestion API or stdout, at a chosen rate.'
  static override description = `Generates events exactly as the ingestion API expects them (see the README for the event), from a seeded PRNG: --seed N gives the same users and the same event sequence again (timestamps aside). Users 1..N each keep one IP and pixel id and walk the funnel ${FUNNEL.join(' → ')} (drop-off at each step: ${FUNNEL_CONTINUE.map((c) => `${Math.round((1 - c) * 100)}%`).join(', ')}). --skew and --hot-user make some users (and so some shards) hot on demand.

--via kinesis (default) sends PutRecords batches (≤ ${PUT_RECORDS_MAX_RECORDS} records, ≤ ${PUT_RECORDS_MAX_BYTES / 1024 / 1024} MiB) with user_id as the partition key, --concurrency batches at a time; --via api posts the same batches to the provisioned API's batch route; --via stdout prints NDJSON and sends nothing.

Failed records are retried with exponential backoff and jitter, and throttling slows the sender down; nothing is dropped silently: every event ends delivered or counted as failed. Ctrl-C (or SIGTERM) stops generating and drains what is in flight; a second Ctrl-C aborts. On a terminal a live status line shows progress (not while --via stdout prints the events there); otherwise only the summary is printed.

Exit codes: 0 done (also a run without --count/--duration ended by Ctrl-C with everything delivered); 6 some events failed permanently; 130 interrupted before --count/--duration was reached; 2 bad flags; 3 the stream or API does not exist.`

  static override examples = [
    {command: '<%= config.bin %> send --count 2000', description: '2,000 events at the default 100/s to the stream "clickstream" (embedded stack).'},
    {command: '<%= config.bin %> send --rate 500 --duration 5m --hot-user 35:0.3', description: 'Five minutes at 500/s with user 35 sending 30% of the events: a hot shard.'},
    {command: '<%= config.bin %> send --rate 0 --count 100000 --skew 1.1 --seed 42', description: 'As fast as the stream takes them, Zipf-skewed users, reproducible.'},
    {command: '<%= config.bin %> send --via api --rate 50', description: "Through the provisioned ingestion API (its URL and key are looked up)."},
    {command: '<%= config.bin %> send --via api --api-url https://abc123.execute-api.eu-west-1.amazonaws.com/v1 --target aws', description: 'Through an API given by its invoke URL (key from CLICKOPS_API_KEY).'},
    {command: '<%= config.bin %> send --via stdout --count 5 --seed 7', description: 'Five events as NDJSON on stdout.'},
    {command: '<%= config.bin %> send --count 10000 --json', description: 'The summary as JSON.'},
  ]

  static override flags = {
    via: Flags.option({
      default: SEND_DEFAULTS.via,
      description: 'Where events go: kinesis (PutRecords), api (the ingestion API\'s batch route) or stdout (NDJSON, nothing sent).',
      options: ['kinesis', 'api', 'stdout'] as const,
    })(),
    rate: Flags.string({char: 'r', default: String(SEND_DEFAULTS.rate), description: 'Events per second, spread evenly over each second; 0 = as fast as the sink takes them.', helpValue: '<n>'}),
    count: Flags.string({char: 'n', description: 'Stop after this many events (default: until Ctrl-C, or --duration).', helpValue: '<n>'}),
    duration: Flags.string({char: 'd', description: 'Stop generating after this long, e.g. 30s, 5m, 1h (with --count: whichever comes first).', helpValue: '<duration>'}),
    users: Flags.string({default: String(SEND_DEFAULTS.users), description: 'Number of simulated users (user_id 1..N), 1 to 1,000,000.', helpValue: '<n>'}),
    skew: Flags.string({default: String(SEND_DEFAULTS.skew), description: 'Zipf exponent over users (user 1 busiest); 0 = uniform, ~1 = typical web traffic.', helpValue: '<s>'}),
    'hot-user': Flags.string({
      description: 'Give user ID this share of all events (default share 0.25), e.g. 35:0.3 or 35:30%. Repeatable.',
      helpValue: '<id[:share]>',
      multiple: true,
    }),
    seed: Flags.string({description: 'PRNG seed 0..4294967295 (default: random, reported in the summary to reproduce the run).', helpValue: '<n>'}),
    concurrency: Flags.string({char: 'c', default: String(SEND_DEFAULTS.concurrency), description: `Batches in flight at once (1 to ${MAX_CONCURRENCY}).`, helpValue: '<n>'}),
    linger: Flags.string({default: SEND_DEFAULTS.linger, description: 'Send a partial batch after it waited this long (0 = at once).', helpValue: '<duration>'}),
    'max-attempts': Flags.string({default: String(SEND_DEFAULTS.maxAttempts), description: 'Attempts per event (the first included) before it counts as failed.', helpValue: '<n>'}),
    workers: Flags.string({
      char: 'w',
      description: `Split the run over N workers, each with its own writer and its own users (--on local: threads here, "auto" = the cores available, at most ${MAX_LOCAL_WORKERS}; --on lambda: concurrent executions, at most ${MAX_LAMBDA_WORKERS}). Default: this process alone.`,
      helpValue: '<n|auto>',
    }),
    on: Flags.option({
      description: `Where --workers run: local (worker threads on this machine; with no --workers, one per core) or lambda (a bundled send worker on AWS Lambda).`,
      options: WORKERS_ON,
    })(),
    'api-url': Flags.string({
      description: 'With --via api: the API\'s invoke URL (or its …/events/batch route). Default: looked up from the provisioned API of --stream.',
      env: 'CLICKOPS_API_URL',
      helpValue: '<url>',
    }),
    'api-key': Flags.string({
      description: 'With --via api: the API key, sent as x-api-key and never printed (default: the provisioned key, looked up with the URL). Prefer the env var: flags show in process lists.',
      env: 'CLICKOPS_API_KEY',
      helpValue: '<key>',
    }),
  }

  async run(): Promise<SendResult> {
    const [{parseSendOptions}, {randomInt}, {availableParallelism}] = await Promise.all([import('../lib/send/options.js'), import('node:crypto'), import('node:os')])
    const options = parseSendOptions(this.sendInput(), () => randomInt(0, 2 ** 32), availableParallelism())
    if (options.via !== 'stdout') this.target() // validates --target, --region, --stream before anything runs

    const [{openDestination}, {startSend}, {progressText}, {sendResult}] = await Promise.all([
      import('../lib/send/destination.js'),
      import('../lib/send/start.js'),
      import('../lib/send/progress.js'),
      import('../lib/send/result.js'),
    ])
    const now = () => performance.timeOrigin + performance.now()
    const opened = await openDestination(options, {connect: () => this.connect(), note: (m) => this.note(m), stdout: process.stdout})

    // Not when the events themselves go to the terminal: the line would be drawn into them.
    const eventsOnTerminal = options.via === 'stdout' && Boolean(process.stdout.isTTY)
    const line = new StatusLine({enabled: Boolean(process.stderr.isTTY) && !this.jsonEnabled() && !eventsOnTerminal})
    let pending = () => 0
    const interrupt = interruptible({
      onFirst: () => {
        if (!line.enabled) this.note(`Stopping: draining ${pending().toLocaleString('en-US')} pending events (Ctrl-C again to abort).`)
      },
      onSecond: () => {
        line.clear()
        this.note('Aborting: abandoning the calls in flight.')
      },
    })
    let result: SendResult
    try {
      const run = await startSend(options, opened, {drawSeed: () => randomInt(0, 2 ** 32), now}, {abort: interrupt.hardSignal, stop: interrupt.signal})
      pending = () => run.progress.snapshot().pending
      line.every(200, progressText(run.progress, options.plan, now, () => interrupt.signal.aborted))
      result = sendResult(options, opened.where, await run.done)
    } finally {
      line.stop()
      interrupt.dispose()
    }

    if (!this.jsonEnabled()) {
      const text = renderSummary(result)
      if (options.via === 'stdout') process.stderr.write(`${text}\n`)
      else this.log(text)
      if (result.stoppedBy) process.stderr.write(`${result.stoppedBy.message}${result.stoppedBy.hint ? `\n${result.stoppedBy.hint}` : ''}\n`)
    }
    if (result.exitCode !== 0) this.setExitCode(result.exitCode)
    return result
  }

  /** The flags as parseSendOptions reads them. */
  private sendInput(): SendInput {
    const f = this.flags
    // CLICKOPS_API_URL / CLICKOPS_API_KEY in the environment concern --via api only; given on the
    // command line with another --via, the flags are a mistake worth saying (parseSendOptions does).
    const onCommandLine = (name: string) => this.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`))
    const apiOnly = (name: 'api-key' | 'api-url') => (f.via === 'api' || onCommandLine(name) ? f[name] : undefined)
    return {
      apiKey: apiOnly('api-key'),
      apiUrl: apiOnly('api-url'),
      concurrency: f.concurrency,
      count: f.count,
      duration: f.duration,
      hotUser: f['hot-user'],
      json: this.jsonEnabled(),
      linger: f.linger,
      maxAttempts: f['max-attempts'],
      rate: f.rate,
      seed: f.seed,
      skew: f.skew,
      users: f.users,
      on: f.on,
      via: f.via,
      workers: f.workers,
    }
  }
}

function renderSummary(r: SendResult): string {
  const n = (x: number) => x.toLocaleString('en-US')
  const dest = r.via === 'kinesis' ? `stream ${r.stream}` : r.via === 'api' ? `API ${r.apiUrl}` : 'stdout'
  const verb = r.via === 'stdout' ? 'wrote' : 'sent'
  const state = r.aborted ? ' (aborted)' : r.interrupted ? ' (interrupted)' : r.stoppedBy ? ' (stopped by an error)' : r.outputClosed ? ' (stdout closed)' : ''
  const head = `${verb} ${n(r.delivered)} of ${n(r.generated)} events to ${dest} in ${(r.elapsedMs / 1000).toFixed(r.elapsedMs < 10_000 ? 2 : 1)}s (${n(r.achievedRate)}/s)${state}`
  const failures = r.failures.map((f) => `${n(f.count)} ${f.code}: ${f.message}`).join('; ')
  const shards = r.byShard ? Object.entries(r.byShard).map(([id, c]) => `${id.replace(/^shardId-0*(?=\d)/, '#')} ${n(c)}`).join(', ') : undefined
  const pairs: [string, string | number | undefined][] = [
    ['generated', n(r.generated)],
    ['delivered', n(r.delivered)],
    ['failed', r.failed > 0 ? style(`${n(r.failed)} (${failures})`, 'red') : '0'],
    ['retried', r.via === 'stdout' ? undefined : `${n(r.retried)} (throttled ${n(r.throttled)}, failed calls ${n(r.callErrors)})`],
    ['calls', r.via === 'stdout' || r.calls === 0 ? undefined : `${n(r.calls)}${r.latencyMs ? `, latency p50 ${r.latencyMs.p50}ms, p99 ${r.latencyMs.p99}ms, max ${r.latencyMs.max}ms` : ''}`],
    ['by shard', shards],
    ['workers', r.workers ? renderWorkers(r) : undefined],
    ['seed', `${r.seed} (--seed ${r.seed} reproduces the events)`],
  ]
  return `${head}\n${keyValues(pairs)}`
}

function renderWorkers(r: SendResult): string {
  const n = (x: number) => x.toLocaleString('en-US')
  const where = r.on === 'lambda' ? 'Lambda executions' : 'threads'
  const each = (r.workers ?? []).map((w) => {
    const failed = w.failed > 0 ? `, ${n(w.failed)} failed` : ''
    const text = `#${w.index} ${n(w.delivered)}${failed}${w.died ? ` (died: ${w.died})` : ''}`
    return w.died ? style(text, 'red') : text
  })
  return `${r.workers?.length} ${where}: ${each.join(', ')}`
}
