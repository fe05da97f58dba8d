import {expect} from 'chai'

import {interruptible} from '../../src/cli/interrupt.js'

/** Emits a signal to this process's own listeners (no real signal is sent). */
const emit = (signal: NodeJS.Signals) => process.emit(signal as 'SIGINT')

describe('interruptible', () => {
  const realExit = process.exit
  let exits: (number | string | null | undefined)[]
  beforeEach(() => {
    exits = []
    process.exit = ((code?: number) => {
      exits.push(code)
    }) as typeof process.exit
  })
  afterEach(() => {
    process.exit = realExit
  })

  it('three stages with onSecond: stop, then the hard stop, then exit 130', () => {
    const seen: string[] = []
    const i = interruptible({onFirst: () => seen.push('first'), onSecond: () => seen.push('second'), signals: ['SIGUSR2']})
    try {
      emit('SIGUSR2')
      expect([i.signal.aborted, i.hardSignal.aborted, exits]).to.deep.equal([true, false, []])
      emit('SIGUSR2')
      expect([i.hardSignal.aborted, exits, seen]).to.deep.equal([true, [], ['first', 'second']])
      emit('SIGUSR2')
      expect(exits).to.deep.equal([130])
    } finally {
      i.dispose()
    }
  })

  it('two stages without onSecond: the second exits 130 and the hard signal never aborts', () => {
    const i = interruptible({signals: ['SIGUSR2']})
    try {
      emit('SIGUSR2')
      emit('SIGUSR2')
      expect([i.signal.aborted, i.hardSignal.aborted, exits]).to.deep.equal([true, false, [130]])
    } finally {
      i.dispose()
    }
    expect(process.listenerCount('SIGUSR2')).to.equal(0)
  })
})
