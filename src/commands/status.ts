import {BaseCommand} from '../cli/base-command.js'
import {keyValues, table} from '../cli/output.js'
import type {IngestionApiInfo} from '../lib/ingestion/endpoint.js'
import {accountSettingLabel, capacityModeLabel, type StreamCapacity} from '../lib/kinesis/capacity.js'
import {formatKiB} from '../lib/format.js'
import type {StreamStatus} from '../lib/kinesis/status.js'
import {formatPercent} from '../lib/format.js'

/** `api`: the stream's ingestion API (null: none provisioned); `apiError`: why it could not be looked up. */
export type StatusResult = StreamStatus & {target: string; region: string; api: IngestionApiInfo | null; apiError?: string}

export default class Status extends BaseCommand<typeof Status> {
  static override summary = "Show the stream's summary: status, capacity mode, shards, retention, encryption, monitoring, tags, ingestion API."
  static override description = `Lists each open shard with its share of the hash-key space, and the ingestion API of \`clickops provision\` (URL, stage, whether a key is required). Exits with code 3 when the stream does not exist.`
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --stream orders --json',
    '<%= config.bin %> status --target aws --profile prod --region eu-west-1',
  ]

  async run(): Promise<StatusResult> {
    const {clients, localEndpoints, region, stream, target} = await this.connect()
    const [{getStreamStatus}, {describeIngestionApi}] = await Promise.all([import('../lib/kinesis/status.js'), import('../lib/ingestion/endpoint.js')])
    const status = await getStreamStatus(await clients.kinesis(), stream, target.kind)
    const result: StatusResult = {...status, api: null, region, target: target.kind}
    try {
      result.api = (await describeIngestionApi({clients, localEndpoints, stream, target})) ?? null
    } catch (error) {
      result.apiError = error instanceof Error ? error.message : String(error)
    }
    if (!this.jsonEnabled()) this.log(render(result))
    return result
  }
}

function render(s: StatusResult): string {
  const tags = Object.entries(s.tags).map(([k, v]) => `${k}=${v}`).join(', ')
  const head = keyValues([
    ['stream', s.streamName],
    ['arn', s.streamArn],
    ['status', s.status],
    ['mode', capacityModeLabel(s.capacity.mode)],
    ['account', accountSettingLabel(s.capacity.account)],
    ['warm throughput', warmLabel(s.capacity.warmThroughput)],
    ['shards', `${s.openShardCount} open, ${s.closedShardCount} closed`],
    ['retention', `${s.retentionHours} h`],
    ['encryption', s.encryption === 'KMS' ? `KMS (${s.kmsKeyId ?? 'alias/aws/kinesis'})` : 'none'],
    ['monitoring', s.enhancedMonitoring.length > 0 ? `enhanced: ${s.enhancedMonitoring.join(', ')}` : 'stream-level only'],
    ['tags', tags || '(none)'],
    ['max record', formatKiB(s.maxRecordSizeKiB)],
    ['distribution', s.recordDistribution === 'AUTO' ? 'AUTO (partition keys ignored)' : `by partition key${s.recordDistributionReported ? '' : ' (not reported: the default)'}`],
    ['api', s.api ? `${s.api.invokeUrl} (stage ${s.api.stage}, ${s.api.apiKeyRequired ? 'API key required' : 'no API key'})` : s.apiError ? `unknown: ${s.apiError}` : 'none (`clickops provision` creates it)'],
  ])
  return `${head}\n\n${shardTable(s.openShards)}`
}

/** The open shards with their share of the hash space; hash keys cut to the width (full in --json). */
export function shardTable(shards: StreamStatus['openShards'], options: {colour?: boolean; width?: number} = {}): string {
  const rows = shards.map((sh) => [sh.shardId, formatPercent(sh.hashSpacePercent / 100, 2), sh.startingHashKey, sh.endingHashKey])
  return table(['open shard', 'share', 'starting hash key', 'ending hash key'], rows, {align: ['left', 'right', 'right', 'right'], fit: ['wrap', 'wrap', 'truncate', 'truncate'], ...options})
}

/** Warm throughput (on-demand streams), or nothing when AWS reports none. */
function warmLabel(w: StreamCapacity['warmThroughput']): string | undefined {
  if (w === undefined) return undefined
  const target = w.targetMiBps !== undefined && w.targetMiBps !== w.currentMiBps ? `, scaling to ${w.targetMiBps} MiB/s` : ''
  return `${w.currentMiBps ?? '?'} MiB/s${target}`
}
