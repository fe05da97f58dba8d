/** AWS WAF (v2): the calls clickops makes, each loading the SDK on first use. */
import type * as waf from '@aws-sdk/client-wafv2'

import {lazy, type ActionTable} from './facade.js'

export type WAFV2Client = waf.WAFV2Client
const sdk = lazy(() => import('@aws-sdk/client-wafv2'))

/** Associating a web ACL with an API Gateway stage also needs apigateway:SetWebACL on the stage. */
export const ACTIONS = {
  associateWebACL: ['wafv2:AssociateWebACL', 'apigateway:SetWebACL'],
  disassociateWebACL: ['wafv2:DisassociateWebACL', 'apigateway:SetWebACL'],
} as const satisfies ActionTable

/** Builds the client (used by src/lib/aws/clients.ts, which owns the configuration). */
export const createClient = async (config: waf.WAFV2ClientConfig) => new (await sdk()).WAFV2Client(config)

export const associateWebACL = async (c: WAFV2Client, input: waf.AssociateWebACLCommandInput) => c.send(new (await sdk()).AssociateWebACLCommand(input))
export const disassociateWebACL = async (c: WAFV2Client, input: waf.DisassociateWebACLCommandInput) => c.send(new (await sdk()).DisassociateWebACLCommand(input))
