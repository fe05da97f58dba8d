import {Flags} from '@oclif/core'
import {once} from 'node:events'

import {BaseCommand} from '../cli/base-command.js'
import {interruptible} from '../cli/interrupt.js'
import {capability, styler} from '../cli/output.js'
import {StatusLine} from '../cli/status-line.js'
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
    output: Flags.option({
      char: 'o',
      description: 'pretty (default on a terminal), json (one object per line; default otherwise) or raw (data only). --json means --output json.',
      options: ['pretty', 'json', 'raw'] as const,
    })(),
  }

  async run(): Promise<TailResult | undefined> {
    const {flags} = this
    const [{planTail}] = await Promise.all([import('../lib/tail/plan.js')])
    const plan = planTail(
      {afterSequence: flags['after-sequence'], allShards: flags['all-shards'], follow: flags.follow, from: flags.from, fromSequence: flags['from-sequence'], limit: flags.limit, partitionKey: flags['partition-key'], until: flags.until, user: flags.user},
      new Date(),
    )
    const stdout = capability(process.stdout)
    const output: TailOutput = this.jsonEnabled() ? 'json' : (flags.output ?? (stdout.interactive ? 'pretty' : 'json'))
    this.target() // validates the global flags before anything starts

    const stop = interruptible()
    const onStdoutError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') stop.abort()
    }
    process.stdout.on('error', onStdoutError)
    let status: StatusLine | undefined

    try {
      const {clients, stream, target} = await this.connect()
      const [{tail}, format] = await Promise.all([import('../lib/tail/tail.js'), import('../lib/tail/format.js')])
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

      const summary = await tail(
        await clients.kinesis(),
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
        {signal: stop.signal, targetName: target.kind},
      )
      line.stop()
      this.note(format.formatSummary(summary, plan.limit))
      return this.jsonEnabled() ? undefined : summary
    } finally {
      status?.stop()
      stop.dispose()
      process.stdout.off('error', onStdoutError)
    }
  }
}
