import {readFileSync} from 'node:fs'

/** Listening TCP sockets on `port` from /proc/net/tcp{,6}: their local addresses in hex. */
export function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const found: string[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/)
      const [addr, p] = local.split(':')
      if (p === hexPort && state === '0A') found.push(addr)
    }
  }
  return found
}

