import {LocalCommand, portFlags, renderLocalStatus} from '../../cli/local-command.js'
import type {LocalStatus} from '../../lib/local/stack.js'

export type LocalUpResult = LocalStatus & {started: string[]; notices: string[]}

export default class LocalUp extends LocalCommand<typeof LocalUp> {
  static override summary = 'Start the embedded local stack (kinesis-local and the local API gateway) on loopback.'
  static override description = `Starts each service detached, waits until it is healthy and prints its endpoint. Data persists under $CLICKOPS_HOME/local/data (default ~/.clickops) across \`local down\` and \`local up\`. Does nothing when the stack already runs.`
  static override examples = ['<%= config.bin %> local up', 'CLICKOPS_HOME=/tmp/ck <%= config.bin %> local up --kinesis-port 14568 --json']
  static override flags = {...portFlags}

  async run(): Promise<LocalUpResult> {
    const config = await this.localConfig({gateway: this.flags['gateway-port'], kinesis: this.flags['kinesis-port'], kinesisTls: this.flags['kinesis-tls-port'], scheduler: this.flags['scheduler-port']})
    const {localUp} = await import('../../lib/local/stack.js')
    const {notices, started, status} = await localUp(config, {onProgress: (m) => this.note(m)})
    for (const notice of notices) this.warn(notice)
    if (!this.jsonEnabled()) {
      this.log(started.length > 0 ? 'Local stack is up.' : 'Local stack was already running.')
      this.log(renderLocalStatus(status))
    }
    return {...status, notices, started}
  }
}
