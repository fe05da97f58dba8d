'use strict'
// Preloaded (`node -r`) into processes of the embedded stack: every TCP server they open listens on
// the loopback interface only, whatever host the program itself asks for. kinesis-local binds
// 0.0.0.0 unconditionally; this keeps it off every other interface. There is deliberately no way to
// choose another address: the emulator and the gateway have no authentication worth the name.
// Everything these processes create is private to the user (the stack's state is), whatever umask
// they were started with.
const net = require('node:net')

process.umask(0o077)

// Their logs go to files under CLICKOPS_HOME: a full disk makes those writes fail, which must not
// bring a service down (it would lose what kinesis-local has not saved yet).
process.stdout.on('error', () => {})
process.stderr.on('error', () => {})

const HOST = '127.0.0.1'
const listen = net.Server.prototype.listen

net.Server.prototype.listen = function (...args) {
  const first = args[0]
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (first.path === undefined) args[0] = {...first, host: HOST}
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] === 'string') args[1] = HOST
    else args.splice(1, 0, HOST)
  }
  return listen.apply(this, args)
}
