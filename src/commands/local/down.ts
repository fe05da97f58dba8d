import {LocalCommand} from '../../cli/local-command.js'

export interface LocalDownResult {
  stopped: string[]
  dataDir: string
}

export default class LocalDown extends LocalCommand<typeof LocalDown> {
  static override summary = 'Stop the embedded local stack; its data is kept.'
  static override description = `Stops the local API gateway, then kinesis-local, after waiting for kinesis-local's next write of its data, so every record accepted before \`local down\` is kept. Streams, records and provisioned APIs stay under $CLICKOPS_HOME/local (default ~/.clickops) and are back after \`local up\`, or after any command on target local starts the stack again. Delete $CLICKOPS_HOME/local/data to start afresh.`
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
