/** The entry of a local send worker thread: runs the worker from its workerData, steered by messages. */
import {parentPort, workerData} from 'node:worker_threads'

import type {HostMessage, WorkerInit} from './protocol.js'
import {runWorker} from './worker.js'

const port = parentPort!
const stop = new AbortController()
const abort = new AbortController()
port.on('message', (m: HostMessage) => {
  if (m.type === 'stop') stop.abort()
  else if (m.type === 'abort') abort.abort()
})
await runWorker(workerData as WorkerInit, (m) => port.postMessage(m), {abort: abort.signal, stop: stop.signal}, () => performance.timeOrigin + performance.now())
port.close()
