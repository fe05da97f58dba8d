import type {KinesisClient} from '@aws-sdk/client-kinesis'
import {Flags} from '@oclif/core'
import {once} from 'node:events'
import {hostname} from 'node:os'

import {BaseCommand} from '../cli/base-command.js'
import {interruptible} from '../cli/interrupt.js'
import {capability, styler} from '../cli/output.js'
import {StatusLine} from '../cli/status-line.js'
import {UsageError} from '../lib/errors.js'
import type {ConsumerLease} from '../lib/tail/consumer.js'
import type {TailJsonLine, TailOutput} from '../lib/tail/format.js'
import type {TailSummary} from '../lib/tail/tail.js'

export type TailResult = TailSummary
/** One line of `tail --json`: the command prints records as JSON lines, not one document. */
export type TailJsonLineResult = TailJsonLine

export default class Tail extends BaseCommand<typeof Tail> {
  static override summary = "Follow one user's records, or the whole stream, live and through resharding."
  static override description = `With --user (or --partition-key) only the shard that holds the key's hash is read (MD5 of the key, as Kinesis routes it), and only that key's records are printed. A start in the past walks the key's shard lineage from the oldest retained shard that held its hash; when a shard closes in a reshard, reading continues in the child that holds the hash, with no record lost or repeated. Without a key every shard is read and the records are merged in arrival order.

Reading stays within the per-shard read limits (5 GetRecords calls/s, 2 MiB/s; one call per second when idle), backs off when throttled and renews expired iterators where it left off. KPL-aggregated records are de-aggregated and filtered by each user record's own partition key. Memory stays flat however much is scanned.

Explicit hash keys: a record written with an ExplicitHashKey (PutRecord/PutRecords, or a KPL aggregate that carries one) goes to the shard of that hash, not of its partition key's MD5, and --user alone does not read that shard: such records are silently missed. If your producers set explicit hash keys, add --all-shards: every shard is read and filtered by the key (it costs the reads of the whole stream).

Enhanced fan-out: with --efo the tail registers a consumer of its own (clickops-tail-<host>-<pid>), waits until it is ACTIVE and reads with SubscribeToShard (HTTP/2), so it takes none of the shards' shared read throughput (2 MiB/s per shard, shared by every polling consumer) and gets 2 MiB/s per shard of its own. Subscriptions are renewed before their 5 minutes end, exactly where the last one stopped; resharding is followed as with polling. The consumer is deregistered when the tail ends (Ctrl-C, --limit, --until, the tip with --no-follow, an error); only a second Ctrl-C or a killed process leaves it behind, and a consumer is billed per consumer-shard-hour while it is registered (plus per GB read): the next --efo tail on this host offers to remove those whose process is gone (a prompt on a terminal, --remove-stale-consumers for scripts, a notice otherwise). --consumer NAME reads through an existing registered consumer and leaves it registered.

AUTO streams: on a stream whose record distribution strategy is AUTO, Kinesis ignores partition keys, so --user reads every shard and filters by the key (it says so on stderr).

Output: pretty (coloured, on a terminal), json (one object per line: partitionKey, shardId, sequenceNumber, approximateArrivalTimestamp, data — parsed when it is JSON, base64 otherwise — and dataEncoding; the default when stdout is not a terminal) or raw (the data only). On a terminal a status line on stderr shows the shards being read, records scanned versus matched, and the lag.

Stops at --limit, at --until, at the tip with --no-follow, or on Ctrl-C; all of them exit 0 and print the counts and the last position on stderr: a sequence number, or SEQUENCE:SUBSEQUENCE for a user record inside a KPL-aggregated record. Pass it to --after-sequence to carry on, nothing repeated and nothing lost, also inside an aggregate. Exit 2 for invalid flags (before any AWS call), 3 when the stream does not exist.`

  static override examples = [
    {command: '<%= config.bin %> tail --user 35', description: "Follow user 35's new events."},
    {command: '<%= config.bin %> tail --user 35 --from trim-horizon --no-follow', description: "Everything retained for user 35, through past reshards, then stop."},
    {command: '<%= config.bin %> tail --user 35 --from 10m --output json | jq .data.event_name', description: 'The last ten minutes and onwards, as JSON lines.'},
    {command: '<%= config.bin %> tail --from 2026-01-31T12:00:00Z --until 2026-01-31T12:05:00Z --output raw', description: 'Five minutes of the whole stream, data only.'},
    {command: '<%= config.bin %> tail --partition-key 35 --from-sequence 49680580346631208046493830204172907465192613764006936578 --limit 20', description: 'Twenty records from a known sequence number on.'},
    {command: '<%= config.bin %> tail --user 35 --after-sequence 49680580346631208046493830204172907465192613764006936578', description: 'Carry on where an earlier run stopped (its last position), nothing repeated.'},
    {command: '<%= config.bin %> tail --user 35 --after-sequence 49680580346631208046493830204172907465192613764006936578:7', description: 'Carry on inside a KPL-aggregated record, after its user record 7.'},
    {command: '<%= config.bin %> tail --user 35 --all-shards --from 10m', description: 'Producers set explicit hash keys: read every shard, keep user 35.'},
    {command: '<%= config.bin %> tail --user 35 --efo', description: 'Through an enhanced fan-out consumer of its own, deregistered at the end.'},
    {command: '<%= config.bin %> tail --consumer analytics --from 10m --no-follow', description: 'Through the existing registered consumer "analytics".'},
  ]

  static override flags = {
    user: Flags.string({
      char: 'u',
      description: 'Only this user\'s records: the user id is the partition key (same as --partition-key).',
      helpValue: 'ID',
    }),
    'partition-key': Flags.string({
      char: 'k',
      description: 'Only records with this partition key; only the shard holding its hash is read.',
      exclusive: ['user'],
      helpValue: 'KEY',
    }),
    from: Flags.string({
      description: 'Where to start: latest (the default: only what arrives from now on), trim-horizon (everything retained), an ISO-8601 time, or a duration ago (10m, 2h).',
      exclusive: ['from-sequence', 'after-sequence'],
      helpValue: 'latest|trim-horizon|TIME|DURATION',
    }),
    'from-sequence': Flags.string({
      description: 'Start at the record at this position (with --user/--partition-key): a sequence number, or SEQUENCE:SUBSEQUENCE for a user record of a KPL-aggregated record, as `--output json` prints it (position).',
      exclusive: ['after-sequence'],
      helpValue: 'SEQUENCE[:SUB]',
    }),
    'after-sequence': Flags.string({
      description: 'Start just after this position (with --user/--partition-key): pass the last position an earlier run printed (SEQUENCE or SEQUENCE:SUBSEQUENCE) to carry on where it stopped, nothing repeated, nothing lost.',
      helpValue: 'SEQUENCE[:SUB]',
    }),
    'all-shards': Flags.boolean({
      description: "With --user/--partition-key: read every shard and keep the key's records, for streams whose producers set explicit hash keys (such records are not on the shard the key hashes to, and a plain --user misses them).",
    }),
    follow: Flags.boolean({
      allowNo: true,
      default: true,
      description: 'Keep reading at the tip (default); --no-follow stops once every shard read is caught up (MillisBehindLatest 0).',
    }),
    limit: Flags.integer({
      char: 'n',
      description: 'Stop after this many matching records.',
      helpValue: 'N',
    }),
    until: Flags.string({
      description: 'Stop at the first record that arrived after this time (ISO-8601, or a duration ago).',
      helpValue: 'TIME',
    }),
    efo: Flags.boolean({
      description: 'Read with enhanced fan-out (SubscribeToShard) through a consumer registered for this tail, deregistered when it ends: no share of the shards\' 2 MiB/s polling throughput is taken. Billed per consumer-shard-hour and per GB on AWS.',
    }),
    consumer: Flags.string({
      description: 'Read with enhanced fan-out through this existing registered consumer (implies --efo); it stays registered.',
      helpValue: 'NAME',
    }),
    'remove-stale-consumers': Flags.boolean({
      description: 'With --efo: deregister, without asking, the consumers left by earlier --efo tails of this host whose process is gone.',
    }),
    output: Flags.option({
      char: 'o',
      description: 'pretty (default on a terminal), json (one object per line; default otherwise) or raw (data only). --json means --output json.',
      options: ['pretty', 'json', 'raw'] as const,
    })(),
  }

  async run(): Promise<TailResult | undefined> {
    const {flags} = this
    const [{planTail}] = await Promise.all([import('../lib/tail/plan.js')])
    let plan = planTail(
      {afterSequence: flags['after-sequence'], allShards: flags['all-shards'], follow: flags.follow, from: flags.from, fromSequence: flags['from-sequence'], limit: flags.limit, partitionKey: flags['partition-key'], until: flags.until, user: flags.user},
      new Date(),
    )
    const stdout = capability(process.stdout)
    const output: TailOutput = this.jsonEnabled() ? 'json' : (flags.output ?? (stdout.interactive ? 'pretty' : 'json'))
    const efo = flags.efo || flags.consumer !== undefined
    if (flags.consumer !== undefined) (await import('../lib/tail/consumer.js')).validateConsumerName(flags.consumer)
    if (flags['remove-stale-consumers'] && !efo) throw new UsageError('--remove-stale-consumers goes with --efo or --consumer.', 'Add --efo.')
    this.target() // validates the global flags before anything starts

    const stop = interruptible()
    const onStdoutError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') stop.abort()
    }
    process.stdout.on('error', onStdoutError)
    let status: StatusLine | undefined
    let lease: ConsumerLease | undefined

    try {
      const {clients, stream, target} = await this.connect()
      const [{tail}, format, {planForDistribution}, {describeStreamSummary}, {distributionOf}] = await Promise.all([
        import('../lib/tail/tail.js'),
        import('../lib/tail/format.js'),
        import('../lib/tail/plan.js'),
        import('../lib/kinesis/status.js'),
        import('../lib/kinesis/distribution.js'),
      ])
      const kinesis = await clients.kinesis()
      const summary = await describeStreamSummary(kinesis, stream, target.kind)
      const adapted = planForDistribution(plan, distributionOf(summary).strategy)
      if (adapted.reason) this.note(`tail: ${adapted.reason}`)
      plan = adapted.plan
      status = new StatusLine({dim: true, enabled: plan.follow && capability(process.stderr).interactive && !this.jsonEnabled(), sharesTerminal: stdout.interactive})
      const paint = styler(stdout.colour)
      const line = status
      const note = (message: string) => {
        line.clear()
        this.note(message)
      }
      const what = plan.partitionKey === undefined ? 'every shard' : `key ${plan.partitionKey}`

      const write = async (chunk: string | Uint8Array) => {
        line.beforeRecord()
        // Wait for the reader to catch up, or for Ctrl-C; either way no listener is left behind.
        if (!process.stdout.write(chunk)) {
          await once(process.stdout, 'drain', {signal: stop.signal}).catch((error: unknown) => {
            if (!stop.signal.aborted) throw error // a stdout error ends the run, as any write error does
          })
        }
      }

      if (efo) {
        lease = await this.startEfo(kinesis, summary.StreamARN!, flags.consumer, flags['remove-stale-consumers'], stop.signal)
        this.note(
          lease.owned
            ? `tail: enhanced fan-out through consumer ${lease.consumerName} (registered for this tail, deregistered when it ends).`
            : `tail: enhanced fan-out through consumer ${lease.consumerName} (reused; it stays registered).`,
        )
      }
      const efoReading = lease === undefined ? undefined : {consumerArn: lease.consumerArn, kinesis: await clients.kinesisEventStream()}

      const result = await tail(
        kinesis,
        stream,
        plan,
        {
          onPlan: (p) => {
            if (plan.partitionKey !== undefined && !plan.allShards) {
              note(`tail: ${what} (hash ${p.hash}) → ${p.lineage.join(' → ')}, from ${format.describeStart(plan.start)}${plan.follow ? '' : ' to the tip'}.`)
            } else {
              const filter = plan.partitionKey === undefined ? '' : `, keeping key ${plan.partitionKey}`
              note(`tail: ${p.initial.length} of ${p.shardCount} shards of ${stream} to start with, from ${format.describeStart(plan.start)}${plan.follow ? '' : ' to the tip'}, merged in arrival order${filter}.`)
            }
          },
          onReady: (shards) => {
            if (plan.follow) note(format.formatFollowing(shards))
          },
          onRecord: (record) =>
            write(output === 'json' ? format.formatJson(record) : output === 'raw' ? format.formatRaw(record) : format.formatPretty(record, paint)),
          onShardChange: (change) => {
            if ('started' in change && change.parents.length > 0) note(format.formatShardStarted(change))
          },
          onStatus: (s) => line.update(() => format.formatStatus(s, (process.stderr.columns || 120) - 1)),
          onReaderEvent: (event) => {
            if (event.type === 'retry') note(`tail: ${event.operation} on ${event.shardId} failed (${event.error}); retrying in ${event.delayMs} ms.`)
          },
        },
        {efo: efoReading, signal: stop.signal, targetName: target.kind},
      )
      line.stop()
      this.note(format.formatSummary(result, plan.limit))
      return this.jsonEnabled() ? undefined : result
    } finally {
      status?.stop()
      if (lease?.owned) {
        await lease.release().then(
          () => this.note(`tail: consumer ${lease!.consumerName} deregistered.`),
          (error: unknown) =>
            this.note(`tail: could not deregister consumer ${lease!.consumerName} (${error instanceof Error ? error.message : String(error)}); it is billed while registered: the next --efo tail offers to remove it.`),
        )
      }
      stop.dispose()
      process.stdout.off('error', onStdoutError)
    }
  }

  /** Registers (or takes) the consumer, after offering to remove the ones dead tails of this host left. */
  private async startEfo(kinesis: KinesisClient, streamArn: string, consumer: string | undefined, removeStale: boolean, signal: AbortSignal): Promise<ConsumerLease> {
    const [{startEfo}, {isAlive}] = await Promise.all([import('../lib/tail/consumer.js'), import('../lib/local/process.js')])
    const started = await startEfo(kinesis, streamArn, {
      confirmRemoval: async (stale) => {
        const names = stale.map((c) => c.consumerName).join(', ')
        const what = `${stale.length} enhanced fan-out consumer${stale.length === 1 ? '' : 's'} left by --efo tails of this host that are gone (${names})`
        if (removeStale) return true
        if (process.stdin.isTTY && process.stderr.isTTY) {
          const answer = await ask(`tail: ${what}; each is billed while registered. Remove ${stale.length === 1 ? 'it' : 'them'}? [y/N] `)
          return /^y(es)?$/i.test(answer.trim())
        }
        this.note(`tail: ${what}; each is billed while registered. Remove them with --remove-stale-consumers.`)
        return false
      },
      consumerName: consumer,
      host: hostname(),
      isAlive,
      pid: process.pid,
      signal,
    })
    if (started.removed.length > 0) this.note(`tail: deregistered ${started.removed.join(', ')}.`)
    return started.lease
  }
}

async function ask(question: string): Promise<string> {
  const {createInterface} = await import('node:readline/promises')
  const rl = createInterface({input: process.stdin, output: process.stderr})
  try {
    return await rl.question(question)
  } catch {
    return ''
  } finally {
    rl.close()
  }
}
