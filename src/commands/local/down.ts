import {LocalCommand} from '../../cli/local-command.js'

export interface LocalDownResult {
  stopped: string[]
  /** What the user should know: a stack.json that had to be recovered, data that could not be saved. */
  notices: string[]
  dataDir: string
}

export default class LocalDown extends LocalCommand<typeof LocalDown> {
  static override summary = 'Stop the embedded local stack; its data is kept.'
  static override description = `Stops the local API gateway, then kinesis-local: from the moment \`down\` begins it answers no more requests (a write in flight gets no answer, and its client retries it), saves its data once more and only then exits, so every record it acknowledged is kept. Only processes recorded when the stack started (same pid, start time and command line) are ever signalled; when stack.json is lost or unreadable, the services are found from their processes. Works on a full disk too. Streams, records and provisioned APIs stay under $CLICKOPS_HOME/local (default ~/.clickops) and are back after \`local up\`, or after any command on target local starts the stack again. Delete $CLICKOPS_HOME/local/data to start afresh.`
  static override examples = ['<%= config.bin %> local down']

  async run(): Promise<LocalDownResult> {
    const config = await this.localConfig()
    const {localDown} = await import('../../lib/local/stack.js')
    const {notices, stopped} = await localDown(config)
    for (const notice of notices) this.warn(notice)
    if (!this.jsonEnabled()) {
      this.log(stopped.length > 0 ? `Stopped ${stopped.join(', ')}. Data kept in ${config.dataDir}.` : 'Local stack was not running.')
    }
    return {dataDir: config.dataDir, notices, stopped}
  }
}
