/**
 * Every AWS action clickops can call: the union of the service facades' ACTIONS tables. The operator
 * policy iam/clickops-operator-policy.json grants exactly these (test/iam-policy.test.ts checks it).
 * `iam:PassRole` is for handing the integration role to API Gateway; the association of a web ACL
 * also needs `apigateway:SetWebACL` on the stage (AWS WAF checks it).
 *
 * What iam/clickops-operator-policy.json makes of them:
 * - The IAM writes that decide what a role may do (`iam:CreateRole`, `iam:PutRolePolicy`,
 *   `iam:PutRolePermissionsBoundary`) are allowed only with `iam:PermissionsBoundary` equal to the
 *   clickops boundary (iam/clickops-permissions-boundary.json, attached by `--permissions-boundary`):
 *   a role an operator creates can never do more than the boundary allows, whatever policy it gets.
 *   `iam:DeleteRolePermissionsBoundary` is not granted. Trust, tags and deletion (which widen
 *   nothing the boundary caps) stay allowed on `role/clickops/*`, so that destroy still removes
 *   roles created before the boundary existed.
 * - Kinesis: the service authorization reference ("Actions, resources, and condition keys for
 *   Amazon Kinesis Data Streams") lists the `stream` resource type, with the `aws:ResourceTag/${TagKey}`
 *   condition key, for DeleteStream, StopStreamEncryption and DecreaseStreamRetentionPeriod (as for
 *   the other stream actions; CreateStream and AddTagsToStream take `aws:RequestTag` and
 *   `aws:TagKeys`). So those three are allowed only on streams tagged managed-by=clickops (MANAGED_TAG),
 *   the tag provision puts on the streams it creates. Tagging a stream managed-by=clickops by hand
 *   puts it under clickops's management, deletion included.
 */
import {ACTIONS as apigateway} from './apigateway.js'
import {ACTIONS as cloudwatch} from './cloudwatch.js'
import type {ActionTable, IamAction} from './facade.js'
import {ACTIONS as iam} from './iam.js'
import {ACTIONS as kinesis} from './kinesis.js'
import {ACTIONS as wafv2} from './wafv2.js'

/** Each facade's module name under src/lib/aws and its ACTIONS table; a new facade adds one line. */
export const FACADE_ACTIONS: Readonly<Record<string, ActionTable>> = {apigateway, cloudwatch, iam, kinesis, wafv2}

/** Every IAM action of every facade, sorted. */
export function allActions(): IamAction[] {
  const all = new Set<IamAction>()
  for (const table of Object.values(FACADE_ACTIONS)) {
    for (const needed of Object.values(table)) for (const action of typeof needed === 'string' ? [needed] : needed) all.add(action)
  }
  return [...all].sort()
}
