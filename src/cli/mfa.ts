/**
 * Asking for an MFA code, as the AWS CLI does for a profile that assumes a role with `mfa_serial`:
 * the prompt goes to stderr (never stdout, which may be a pipe or a --json document) and the code is
 * read from stdin, only when both are a terminal. Otherwise there is no prompt, and the client
 * factory's error says why (src/lib/aws/clients.ts, mfaNotInteractiveError).
 */
import {createInterface} from 'node:readline/promises'

export interface PromptStreams {
  input: NodeJS.ReadableStream & {isTTY?: boolean}
  output: NodeJS.WritableStream & {isTTY?: boolean}
}

export function mfaCodePrompt(streams: PromptStreams = {input: process.stdin, output: process.stderr}): ((serial: string) => Promise<string>) | undefined {
  if (!streams.input.isTTY || !streams.output.isTTY) return undefined
  return async (serial) => {
    const rl = createInterface({input: streams.input, output: streams.output, terminal: false})
    try {
      return (await rl.question(`Enter MFA code for ${serial}: `)).trim()
    } finally {
      rl.close()
    }
  }
}
