import {LocalCommand} from '../../cli/local-command.js'

export interface LocalDownResult {
  stopped: string[]
  dataDir: string
}

export default class LocalDown extends LocalCommand<typeof LocalDown> {
  static override summary = 'Stop the embedded local stack; its data is kept.'
  static override examples = ['<%= config.bin %> local down']

  async run(): Promise<LocalDownResult> {
    const config = await this.localConfig()
    const {localDown} = await import('../../lib/local/stack.js')
    const {stopped} = await localDown(config)
    if (!this.jsonEnabled()) {
      this.log(stopped.length > 0 ? `Stopped ${stopped.join(', ')}. Data kept in ${config.dataDir}.` : 'Local stack was not running.')
    }
    return {dataDir: config.dataDir, stopped}
  }
}
