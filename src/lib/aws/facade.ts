/**
 * What every service facade under src/lib/aws shares: the lazy SDK loader, the options a call may
 * take, and the type of its IAM action table. See src/lib/aws/clients.ts for the pattern.
 */

/** An IAM action, `<service prefix>:<Action>` (API Gateway's management API: `apigateway:<HTTP verb>`). */
export type IamAction = `${string}:${string}`

/**
 * A facade's `ACTIONS`: for every call it exports, the IAM actions AWS checks when it is made
 * (including those checked on our behalf, such as iam:PassRole). test/iam-policy.test.ts builds
 * the operator policy's expected action list from these tables, and test/lib/aws/facades.test.ts
 * checks that a facade's table names exactly the calls it exports.
 */
export type ActionTable = Readonly<Record<string, IamAction | readonly IamAction[]>>

/** Per-call options passed through to the SDK's `send` (e.g. to abort a long poll). */
export interface CallOptions {
  abortSignal?: AbortSignal
}

/** Loads a module once, on first use (the SDK packages are heavy; `clickops --version` must not load them). */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined
  return () => (loaded ??= load())
}
