/**
 * The autoscale function: a thin adapter around runScaling, bundled by `autoscale deploy` (esbuild,
 * from this module) and run by Lambda on a schedule or by the local stack's scheduler. Event in;
 * out, the same JSON document `clickops scale --json` prints, also written as one line to the log
 * (stdout: CloudWatch Logs on Lambda, the decision log locally). Failures are that document's
 * `error`; it never throws, so a "blocked" outcome or an error is never retried as a failed
 * invocation would be.
 *
 * This module must not import ink, React or oclif (a test checks the bundle's inputs).
 */
import * as CloudWatch from '../aws/cloudwatch.js'
import type {CloudWatchClient} from '../aws/cloudwatch.js'
import type {KinesisClient} from '../aws/kinesis.js'
import * as Kinesis from '../aws/kinesis.js'

import {baseConfig} from '../aws/clients.js'
import {toClickopsError} from '../errors.js'
import {runScaling} from '../scaling/index.js'
import {errorDocument, scaleDocument, type ScaleDocument, type ScaleErrorDocument} from '../scaling/document.js'
import {resolveTarget} from '../target.js'
import {CONFIG_ENV, decodeConfig} from './config.js'

/** The part of Lambda's context object the handler uses. */
export interface LambdaContextLike {
  awsRequestId?: string
  getRemainingTimeInMillis?: () => number
}

/** Time kept for writing the log line and returning before Lambda's timeout. */
const TIMEOUT_MARGIN_MS = 10_000

/** Clients live as long as the execution environment (warm invocations reuse their connections). */
let clients: {kinesis: KinesisClient; cloudwatch?: CloudWatchClient} | undefined

export async function handler(_event: unknown, context: LambdaContextLike = {}): Promise<ScaleDocument | ScaleErrorDocument> {
  let doc: ScaleDocument | ScaleErrorDocument
  let target = 'aws'
  try {
    const config = decodeConfig(process.env[CONFIG_ENV])
    target = config.target
    const resolved = resolveTarget({target: config.target}, process.env)
    // Only the two clients a scale check uses (the bundle carries no other SDK client).
    clients ??= {
      cloudwatch: config.source === 'cloudwatch' ? await CloudWatch.createClient(await baseConfig(resolved, 'cloudwatch')) : undefined,
      kinesis: await Kinesis.createClient(await baseConfig(resolved, 'kinesis')),
    }
    const {cloudwatch, kinesis} = clients
    const region = await kinesis.config.region()
    const remaining = context.getRemainingTimeInMillis?.()
    const budget = remaining === undefined ? undefined : Math.max(1000, remaining - TIMEOUT_MARGIN_MS)
    // Out of time: stop between calls (a change already accepted continues), report "interrupted".
    const stop = new AbortController()
    const timer = budget === undefined ? undefined : setTimeout(() => stop.abort(), budget)
    try {
      const run = await runScaling({
        cloudwatch,
        dryRun: false,
        kinesis,
        policy: config.policy,
        signal: stop.signal,
        source: config.source,
        streamName: config.stream,
        targetName: config.target,
        wait: true,
        waitTimeoutMs: budget === undefined ? config.waitTimeoutMs : Math.min(config.waitTimeoutMs, budget),
      })
      doc = scaleDocument(run, {policy: config.policy, policyOrigins: config.policyOrigins, region, source: config.source, streamName: config.stream, target: config.target})
    } finally {
      if (timer) clearTimeout(timer)
    }
  } catch (error) {
    doc = errorDocument(toClickopsError(error, {target}))
  }
  process.stdout.write(`${JSON.stringify(doc)}\n`)
  return doc
}
