import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {interruptible} from '../cli/interrupt.js'
import {style} from '../cli/output.js'
import {renderPlan, STOPPING} from '../cli/plan-table.js'
import type {ProvisionResult} from '../lib/provision/provision.js'

export type {ProvisionResult}

export default class Provision extends BaseCommand<typeof Provision> {
  static override summary = 'Create the stream and its HTTP ingestion API (API Gateway → Kinesis), idempotently.'

  static override description = `Computes the desired state, compares it with what exists and shows the plan: every resource as create, update or unchanged, with the reason. Then applies it in order (unless --dry-run). Running it again with the same flags changes nothing; a run that was interrupted finishes when run again.

On AWS: the Kinesis stream (tagged managed-by=clickops), an IAM role clickops-<region>-<stream>-apigw that only apigateway.amazonaws.com can assume, for this account and this API only (aws:SourceAccount, aws:SourceArn), with kinesis:PutRecord/PutRecords on this stream only, a REGIONAL REST API imported from one OpenAPI document (POST /events → PutRecord, POST /events/batch → PutRecords, body validated against the event's JSON Schema), its deployment and stage with throttling, and optionally an API key with a usage plan and a WAF web ACL.

Permissions boundary: with --permissions-boundary ARN the role gets that boundary, the policy made from iam/clickops-permissions-boundary.json; the operator policy in iam/ allows creating and changing clickops roles only with it. Without it the role has no boundary (provision says so): that needs an identity allowed to create roles freely, and the shipped operator policy is refused.

Locally: the stream in kinesis-local, and the same OpenAPI document served by the local gateway of the embedded stack.

Provision never reshards an existing stream: use \`clickops scale\` for that.`

  static override examples = [
    {command: '<%= config.bin %> provision', description: 'Stream "clickstream" with 4 shards and its API on the embedded stack.'},
    {command: '<%= config.bin %> provision --dry-run', description: 'Show what would change, change nothing.'},
    {command: '<%= config.bin %> provision --target aws --region eu-west-1 --shards 8 --api-key --throttle-rate 500', description: 'On AWS, with a required API key.'},
    {command: '<%= config.bin %> provision --target aws --on-demand --no-api', description: 'An on-demand stream only.'},
    {command: '<%= config.bin %> provision --max-record-size 2MiB --dry-run', description: 'Show the change that lets the stream take records up to 2 MiB.'},
    {
      command: '<%= config.bin %> provision --target aws --permissions-boundary arn:aws:iam::123456789012:policy/clickops/clickops-permissions-boundary',
      description: 'As an operator with iam/clickops-operator-policy.json: the role gets the clickops permissions boundary.',
    },
    {command: '<%= config.bin %> provision --target aws --web-acl-arn arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/edge/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b', description: 'Protect the stage with an existing WAF web ACL.'},
  ]

  static override flags = {
    shards: Flags.integer({description: 'Shard count of a new provisioned stream. [default: 4] An existing stream keeps its count (see `clickops scale`).', min: 1}),
    'on-demand': Flags.boolean({description: 'Create the stream in on-demand capacity mode (or switch an existing stream to it).', exclusive: ['shards']}),
    'retention-hours': Flags.integer({description: 'Record retention, 24 to 8760 hours. [default: 24]'}),
    'max-record-size': Flags.string({
      description: 'Largest record the stream accepts, 1MiB to 10MiB (UpdateMaxRecordSize), e.g. 2MiB or 1536KiB. Without it the stream keeps its setting (new streams: 1 MiB).',
      helpValue: 'SIZE',
    }),
    encryption: Flags.option({description: 'Server-side encryption with the AWS-managed key alias/aws/kinesis, or none. [default: kms]', options: ['kms', 'none'] as const})(),
    'enhanced-monitoring': Flags.boolean({allowNo: true, default: true, description: 'Enable the shard-level CloudWatch metrics that `clickops heat` reads (billed per shard and metric on AWS).'}),
    api: Flags.boolean({allowNo: true, default: true, description: 'Provision the HTTP ingestion API in front of the stream (--no-api: the stream only).'}),
    'api-key': Flags.boolean({description: 'Require an API key (x-api-key header): creates the key and a usage plan with the same throttling.'}),
    'throttle-rate': Flags.integer({description: 'Stage throttling: steady requests per second (1 to 10000). [default: 1000]'}),
    'throttle-burst': Flags.integer({description: 'Stage throttling: burst of requests (1 to 5000). [default: 2000]'}),
    'web-acl-arn': Flags.string({description: 'Associate this existing regional AWS WAF web ACL with the stage (AWS only).'}),
    stage: Flags.string({description: 'Stage name; the URL is <invoke URL>/<stage>. [default: v1]'}),
    'permissions-boundary': Flags.string({
      description: 'ARN of the IAM policy to attach as the ingestion role\'s permissions boundary (AWS only): the one made from iam/clickops-permissions-boundary.json. Required by the shipped operator policy; without it the role has no boundary.',
      helpValue: 'ARN',
    }),
    'dry-run': Flags.boolean({description: 'Show the plan and change nothing.'}),
  }

  async run(): Promise<ProvisionResult> {
    const f = this.flags
    const {checkWebAclRegion, desiredState} = await import('../lib/provision/desired.js')
    const early = this.target()
    const desired = desiredState(
      {
        api: f.api,
        apiKey: f['api-key'],
        encryption: f.encryption,
        enhancedMonitoring: f['enhanced-monitoring'],
        maxRecordSize: f['max-record-size'],
        onDemand: f['on-demand'],
        permissionsBoundary: f['permissions-boundary'],
        retentionHours: f['retention-hours'],
        shards: f.shards,
        stage: f.stage,
        stream: f.stream,
        throttleBurst: f['throttle-burst'],
        throttleRate: f['throttle-rate'],
        webAclArn: f['web-acl-arn'],
      },
      early,
    )

    const {clients, localEndpoints, region, target} = await this.connect()
    if (desired.webAclArn) checkWebAclRegion(desired.webAclArn, region)
    const [{resolveLocalConfig}, {provision}] = await Promise.all([import('../lib/local/config.js'), import('../lib/provision/provision.js')])
    const config = resolveLocalConfig()
    const stop = interruptible({onFirst: () => this.note(STOPPING)})
    try {
      const result = await provision(
        desired,
        {
          clients,
          gatewayEndpoint: localEndpoints.gateway ?? `http://127.0.0.1:${config.ports.gateway}`,
          localDir: config.dir,
          onProgress: (m) => this.note(`  ${m}`),
          region,
          signal: stop.signal,
          target,
        },
        {dryRun: f['dry-run']},
      )
      if (!this.jsonEnabled()) this.log(renderProvision(result))
      return result
    } finally {
      stop.dispose()
    }
  }
}

function renderProvision(r: ProvisionResult): string {
  const lines = [renderPlan(r.plan)]
  if (r.changes === 0) lines.push('Everything is up to date: nothing to change.')
  else if (r.dryRun) lines.push(`${r.changes} change${r.changes === 1 ? '' : 's'} would be made (dry run: nothing was changed). Run without --dry-run to apply.`)
  else lines.push(`Applied ${r.applied} change${r.applied === 1 ? '' : 's'}.`)
  if (r.api?.url) {
    const key = r.api.apiKeyRequired ? " -H 'x-api-key: <key>'" : ''
    lines.push(
      '',
      `${style('invoke URL', 'bold')}  ${r.api.invokeUrl}${r.dryRun && r.plan.some((i) => i.resource.endsWith('api') && i.action === 'create') ? ' (once applied)' : ''}`,
      `${style('one event ', 'bold')}  curl -X POST ${r.api.url}${key} -H 'content-type: application/json' -d @event.json`,
      `${style('a batch   ', 'bold')}  curl -X POST ${r.api.batchUrl}${key} -H 'content-type: application/json' -d '{"records": [...]}'`,
    )
    if (r.api.apiKeyRequired) lines.push(`${style('api key   ', 'bold')}  required. ${r.api.apiKeyHint ?? ''}`.trimEnd())
  } else if (r.api) {
    lines.push('', `The API's URL is known once it is created (stage ${r.api.stage}).`)
  }
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `${style('note', 'yellow')}: ${n}`))
  return lines.join('\n')
}
