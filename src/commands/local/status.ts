import {LocalCommand, renderLocalStatus} from '../../cli/local-command.js'
import type {LocalStatus} from '../../lib/local/stack.js'

export default class LocalStatusCommand extends LocalCommand<typeof LocalStatusCommand> {
  static override summary = 'Show whether the embedded local stack runs: pids, ports, endpoints, data directory, uptime.'
  static override examples = ['<%= config.bin %> local status', '<%= config.bin %> local status --json']

  async run(): Promise<LocalStatus> {
    const config = await this.localConfig()
    const {localStatus} = await import('../../lib/local/stack.js')
    const status = await localStatus(config)
    if (!this.jsonEnabled()) this.log(renderLocalStatus(status))
    return status
  }
}
