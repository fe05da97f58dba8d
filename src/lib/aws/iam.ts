/** AWS Identity and Access Management: the calls clickops makes, each loading the SDK on first use. */
import type * as iam from '@aws-sdk/client-iam'

import {lazy, type ActionTable} from './facade.js'

export type IAMClient = iam.IAMClient
const sdk = lazy(() => import('@aws-sdk/client-iam'))

export const ACTIONS = {
  createRole: ['iam:CreateRole', 'iam:TagRole'],
  deleteRole: 'iam:DeleteRole',
  deleteRolePolicy: 'iam:DeleteRolePolicy',
  getRole: 'iam:GetRole',
  getRolePolicy: 'iam:GetRolePolicy',
  putRolePermissionsBoundary: 'iam:PutRolePermissionsBoundary',
  putRolePolicy: 'iam:PutRolePolicy',
  tagRole: 'iam:TagRole',
  updateAssumeRolePolicy: 'iam:UpdateAssumeRolePolicy',
} as const satisfies ActionTable

/** Builds the client (used by src/lib/aws/clients.ts, which owns the configuration). */
export const createClient = async (config: iam.IAMClientConfig) => new (await sdk()).IAMClient(config)

export const createRole = async (c: IAMClient, input: iam.CreateRoleCommandInput) => c.send(new (await sdk()).CreateRoleCommand(input))
export const deleteRole = async (c: IAMClient, input: iam.DeleteRoleCommandInput) => c.send(new (await sdk()).DeleteRoleCommand(input))
export const deleteRolePolicy = async (c: IAMClient, input: iam.DeleteRolePolicyCommandInput) => c.send(new (await sdk()).DeleteRolePolicyCommand(input))
export const getRole = async (c: IAMClient, input: iam.GetRoleCommandInput) => c.send(new (await sdk()).GetRoleCommand(input))
export const getRolePolicy = async (c: IAMClient, input: iam.GetRolePolicyCommandInput) => c.send(new (await sdk()).GetRolePolicyCommand(input))
export const putRolePermissionsBoundary = async (c: IAMClient, input: iam.PutRolePermissionsBoundaryCommandInput) => c.send(new (await sdk()).PutRolePermissionsBoundaryCommand(input))
export const putRolePolicy = async (c: IAMClient, input: iam.PutRolePolicyCommandInput) => c.send(new (await sdk()).PutRolePolicyCommand(input))
export const tagRole = async (c: IAMClient, input: iam.TagRoleCommandInput) => c.send(new (await sdk()).TagRoleCommand(input))
export const updateAssumeRolePolicy = async (c: IAMClient, input: iam.UpdateAssumeRolePolicyCommandInput) => c.send(new (await sdk()).UpdateAssumeRolePolicyCommand(input))
