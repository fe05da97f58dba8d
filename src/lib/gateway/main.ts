/**
 * The local gateway's process (started detached by the embedded stack, see src/lib/local/services.ts).
 * Configuration comes from the environment the stack sets:
 *   CLICKOPS_GATEWAY_PORT              the loopback port to listen on
 *   CLICKOPS_GATEWAY_APIS_DIR          the folder of the API files written by `clickops provision`
 *   CLICKOPS_GATEWAY_KINESIS_ENDPOINT  kinesis-local's plain-http endpoint
 * It listens on 127.0.0.1 only and stops cleanly on SIGTERM/SIGINT.
 */
import {integrationClients} from './kinesis-action.js'
import {createGateway} from './server.js'

function required(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') {
    process.stderr.write(`${name} is not set\n`)
    process.exit(2)
  }
  return value
}

const port = Number(required('CLICKOPS_GATEWAY_PORT'))
const apisDir = required('CLICKOPS_GATEWAY_APIS_DIR')
const kinesisEndpoint = required('CLICKOPS_GATEWAY_KINESIS_ENDPOINT')

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`)

const clients = integrationClients(kinesisEndpoint)
const gateway = createGateway({apisDir, kinesis: clients.kinesis, log})

gateway.server.listen({host: '127.0.0.1', port}, () => log(`local gateway listening on http://127.0.0.1:${port} (APIs from ${apisDir}, Kinesis at ${kinesisEndpoint})`))

function stop() {
  gateway.server.close(() => process.exit(0))
  gateway.server.closeAllConnections()
  clients.destroy()
  setTimeout(() => process.exit(0), 2000).unref()
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
