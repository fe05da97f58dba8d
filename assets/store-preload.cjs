'use strict'
// Preloaded (`node -r`) into kinesis-local by the embedded stack. Two guarantees the emulator does not
// give by itself:
//
// 1. Its store is crash-safe. kinesis-local rewrites PERSIST_PATH/PERSIST_FILE_NAME in place every
//    PERSIST_INTERVAL (truncate, then write): a crash or a full disk in that window leaves a truncated
//    store. Here each save goes to a fresh temporary file next to it, is flushed (fsync), and only then
//    renamed over the store; the snapshot it replaces is kept as `<store>.previous`. Whatever moment the
//    process dies, the store is the last complete save.
//
// 2. `SIGTERM` (or `SIGINT`) loses nothing that was acknowledged. kinesis-local's own shutdown stops
//    saving but keeps answering requests on open connections. Here the signal closes every connection
//    at once and refuses new ones, so no further write can be acknowledged; then it waits for a save
//    that read the emulator's data after that moment (saves are sequential: the one after the first
//    save to complete after it), and exits. A write in flight at that moment gets no answer (its
//    client retries it), so it is stored at most twice, never acknowledged and lost.
const fs = require('node:fs')
const net = require('node:net')
const path = require('node:path')

const STORE = path.resolve(process.env.PERSIST_PATH || 'data', process.env.PERSIST_FILE_NAME || 'kinesis-data.json')
const PREVIOUS = `${STORE}.previous`
/** How long a stop waits for that final save before giving up (the stack reports it then). */
const STOP_SAVE_TIMEOUT_MS = Number(process.env.CLICKOPS_STOP_SAVE_TIMEOUT_MS || 25_000)

const exit = process.exit.bind(process)
const log = (message) => process.stderr.write(`[clickops] ${new Date().toISOString()} ${message}\n`)

// ---- 1. atomic saves -------------------------------------------------------------------------------

let writes = 0
let stopping = false
/** Called with the number of each save once it is complete and in place. */
const onSaved = []

function fsyncDir(dir) {
  let fd
  try {
    fd = fs.openSync(dir, 'r')
    fs.fsyncSync(fd)
  } catch {
    /* not every file system can sync a directory */
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

function putInPlace(tmp) {
  // Keep the snapshot being replaced: link it to a temporary name, then rename that over `.previous`,
  // so that the store and `.previous` each exist and are complete at every moment.
  const keep = `${PREVIOUS}.${process.pid}.tmp`
  try {
    fs.rmSync(keep, {force: true})
    fs.linkSync(STORE, keep)
    fs.renameSync(keep, PREVIOUS)
  } catch {
    /* no store yet (first save) */
  }
  fs.renameSync(tmp, STORE)
  fsyncDir(path.dirname(STORE))
}

const createWriteStream = fs.createWriteStream
fs.createWriteStream = function (file, options) {
  if (typeof file !== 'string' || path.resolve(file) !== STORE) return createWriteStream.apply(this, arguments)
  writes += 1
  const number = writes
  const tmp = `${STORE}.${process.pid}.${number}.tmp`
  const stream = createWriteStream.call(fs, tmp, {...(typeof options === 'object' ? options : {}), flags: 'w', mode: 0o600})
  // Runs after the last chunk is written and before the stream reports 'finish' to the emulator.
  stream._final = (callback) => {
    fs.fsync(stream.fd, (error) => {
      if (error) return callback(error)
      try {
        putInPlace(tmp)
      } catch (error_) {
        return callback(error_)
      }
      callback()
      for (const listener of onSaved) listener(number)
    })
  }
  // A failed save (a full disk) leaves the store as it was; its partial temporary file goes. The
  // emulator drops every listener of the stream once it is open, so an error after that would be
  // unhandled and crash it (that is how a full disk used to bring it down): errors are seen here,
  // passed on to whoever still listens, and otherwise swallowed.
  const emit = stream.emit
  let failed = false
  stream.emit = function (event, ...args) {
    if (event !== 'error') return emit.call(this, event, ...args)
    const [error] = args
    if (!failed) {
      failed = true
      log(`could not save the data (${error?.code ?? error?.message}); the store keeps the last complete save`)
      fs.rm(tmp, {force: true}, () => {})
      // Stopping, and the save failed: waiting for another would only delay the stop.
      if (stopping) exit(75)
    }
    return this.listenerCount('error') > 0 ? emit.call(this, event, ...args) : false
  }
  return stream
}

// ---- 2. stop without losing acknowledged writes ------------------------------------------------------

const sockets = new Set()

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  this.prependListener('connection', (socket) => {
    if (stopping) return socket.destroy()
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  return listen.apply(this, args)
}

// kinesis-local's own SIGTERM/SIGINT handlers (a graceful shutdown that keeps serving open
// connections) are kept from running: this preload owns the stop.
const on = process.on
for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener']) {
  const original = process[method]
  process[method] = function (event, listener) {
    if (event === 'SIGTERM' || event === 'SIGINT') return this
    return original.call(this, event, listener)
  }
}

function stop(signal) {
  if (stopping) return
  stopping = true
  for (const socket of sockets) socket.destroy()
  let waitFor
  // The first save to complete from now may have read the data before the connections closed; the
  // save after it (saves never overlap) read it after.
  onSaved.push((number) => {
    if (waitFor === undefined) waitFor = number + 1
    else if (number >= waitFor) {
      log(`saved the data after ${signal}; stopping`)
      exit(0)
    }
  })
  setTimeout(() => {
    log(`could not save the data within ${STOP_SAVE_TIMEOUT_MS / 1000} s after ${signal}; stopping without it`)
    exit(75)
  }, STOP_SAVE_TIMEOUT_MS).unref()
}

on.call(process, 'SIGTERM', () => stop('SIGTERM'))
on.call(process, 'SIGINT', () => stop('SIGINT'))
