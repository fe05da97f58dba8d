import {LocalCommand, renderLocalStatus} from '../../cli/local-command.js'
import type {LocalStatus} from '../../lib/local/stack.js'

/** What `local status --json` prints. */
export type LocalStatusResult = LocalStatus

export default class LocalStatusCommand extends LocalCommand<typeof LocalStatusCommand> {
  static override summary = 'Show whether the embedded local stack runs: pids, ports, endpoints, data directory, uptime.'
  static override description = `State is running (every service healthy), degraded (some service is down or not answering: \`local up\` restarts what is missing) or stopped. Reads $CLICKOPS_HOME/local/stack.json and probes each service's health endpoint; it never starts anything and exits 0 in every state (use --json and the state field in scripts).`
  static override examples = ['<%= config.bin %> local status', '<%= config.bin %> local status --json']

  async run(): Promise<LocalStatusResult> {
    const config = await this.localConfig()
    const {localStatus} = await import('../../lib/local/stack.js')
    const status = await localStatus(config)
    if (status.recovered) this.warn(status.recovered)
    if (!this.jsonEnabled()) this.log(renderLocalStatus(status))
    return status
  }
}
