/** One exponential backoff for calls that AWS refuses for a while and then accepts. */

/**
 * Retries `fn` while `retryable(error)`, with exponential backoff: IAM's eventual consistency in
 * provision, SplitShard/MergeShards' 5 transactions per second per account in scale.
 */
export async function withBackoff<T>(
  fn: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  options: {sleep: (ms: number) => Promise<void>; attempts?: number; firstDelayMs?: number; maxDelayMs?: number; onRetry?: (attempt: number, error: unknown) => void},
): Promise<T> {
  const attempts = options.attempts ?? 8
  let delay = options.firstDelayMs ?? 2000
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error
      options.onRetry?.(attempt, error)
      await options.sleep(delay)
      delay = Math.min(delay * 2, options.maxDelayMs ?? 20_000)
    }
  }
}
