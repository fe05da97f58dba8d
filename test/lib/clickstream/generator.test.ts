import {expect} from 'chai'

import {FUNNEL, FUNNEL_CONTINUE, funnelReach, nextStage} from '../../../src/lib/clickstream/funnel.js'
import {createGenerator, eventJson, productPrice, shareOfUser, timestampFormatter, type GeneratorOptions} from '../../../src/lib/clickstream/generator.js'
import {createRandom} from '../../../src/lib/clickstream/random.js'
import {checkEventSemantics, EVENT_SCHEMA, type ClickEvent} from '../../../src/lib/clickstream/schema.js'
import {aliasTable, parseHotUser, userWeights, validateUserMix} from '../../../src/lib/clickstream/users.js'
import {UsageError} from '../../../src/lib/errors.js'
import {draft04} from './draft04.js'

/** A clock that advances 1.5 ms per reading from a fixed instant. */
function steppingClock(startMs = Date.UTC(2021, 6, 12, 12, 1, 58, 732), stepMs = 1.5) {
  let t = startMs - stepMs
  return () => (t += stepMs)
}

function generate(options: Partial<GeneratorOptions>, n: number, clock = steppingClock()): ClickEvent[] {
  const g = createGenerator({hotUsers: [], seed: 1, skew: 0, users: 1000, ...options}, clock)
  return Array.from({length: n}, () => g.next())
}

const withoutTimestamps = (e: ClickEvent) => ({...e, insertion_timestamp: undefined, timestamp: undefined})

describe('clickstream generator', () => {
  it('produces 10,000 events that validate against the event schema (draft-04) and its semantic checks', () => {
    const {errors, validate} = draft04(EVENT_SCHEMA)
    const events = generate({hotUsers: [{share: 0.2, userId: 35}], seed: 99, skew: 1.1}, 10_000)
    for (const e of events) {
      if (!validate(e)) expect.fail(`${JSON.stringify(e)}: ${errors()}`)
      expect(checkEventSemantics(e), JSON.stringify(e)).to.deep.equal([])
    }
    expect(new Set(events.map((e) => e.click_id)).size).to.equal(10_000)
  })

  it('serialises events byte for byte as JSON.stringify does', () => {
    for (const e of generate({seed: 5}, 2000)) expect(eventJson(e)).to.equal(JSON.stringify(e))
  })

  it('reproduces the same users and event sequence from the same seed, timestamps aside', () => {
    const a = generate({seed: 42, skew: 0.8}, 5000, steppingClock(Date.UTC(2024, 0, 1), 1))
    const b = generate({seed: 42, skew: 0.8}, 5000, steppingClock(Date.UTC(2025, 5, 30), 7))
    expect(a.map(withoutTimestamps)).to.deep.equal(b.map(withoutTimestamps))
    expect(a[0].timestamp).to.not.equal(b[0].timestamp)
    const c = generate({seed: 43, skew: 0.8}, 5000)
    expect(c.map(withoutTimestamps)).to.not.deep.equal(a.map(withoutTimestamps))
  })

  it('split into shares over the same slots: together exactly the events of the whole run, each user in one share, in order', () => {
    const options: GeneratorOptions = {hotUsers: [parseHotUser('35:0.2')], seed: 9, skew: 0.9, users: 500}
    const slots = 6000
    const whole = createGenerator(options, steppingClock())
    const all = Array.from({length: slots}, () => whole.next()).map((e) => JSON.stringify(withoutTimestamps(e)))
    for (const of of [2, 3, 4]) {
      const parts = Array.from({length: of}, (_, index) => {
        const g = createGenerator(options, steppingClock(), {index, of})
        const out: ClickEvent[] = []
        while (g.slot < slots) {
          const e = g.advance()
          if (e) out.push(e)
        }
        for (const e of out) expect(shareOfUser(Number(e.user_id), of), `user ${e.user_id}`).to.equal(index)
        return out.map((e) => JSON.stringify(withoutTimestamps(e)))
      })
      expect(parts.flat().sort(), `${of} shares`).to.deep.equal([...all].sort())
      // Each user's events come in the same order as in the whole run.
      const byUser = (lines: string[]) => {
        const m = new Map<string, string[]>()
        for (const l of lines) {
          const u = JSON.parse(l).user_id
          m.set(u, [...(m.get(u) ?? []), l])
        }
        return m
      }
      const wholeByUser = byUser(all)
      for (const part of parts) for (const [u, lines] of byUser(part)) expect(lines).to.deep.equal(wholeByUser.get(u))
    }
  })

  it('keeps one IP and one pixel id per user, the same for the same seed', () => {
    const attributes = (events: ClickEvent[]) => {
      const byUser = new Map<string, Set<string>>()
      for (const e of events) {
        const s = byUser.get(e.user_id) ?? new Set()
        s.add(`${e.user_ip}|${e.pixel_id}`)
        byUser.set(e.user_id, s)
      }
      return byUser
    }
    const a = attributes(generate({seed: 7, users: 200}, 20_000))
    expect(a.size).to.equal(200)
    for (const [user, set] of a) expect(set.size, `user ${user}`).to.equal(1)
    const b = attributes(generate({seed: 7, users: 200}, 3000))
    for (const [user, set] of b) expect([...set]).to.deep.equal([...a.get(user)!])
    const other = attributes(generate({seed: 8, users: 200}, 3000))
    const differing = [...other].filter(([user, set]) => [...set][0] !== [...a.get(user)!][0]).length
    expect(differing).to.be.greaterThan(150)
  })

  it('gives --hot-user 35:0.3 a share within ±2% over 50,000 events', () => {
    for (const skew of [0, 1.2]) {
      const events = generate({hotUsers: [parseHotUser('35:0.3')], seed: 11, skew}, 50_000)
      const share = events.filter((e) => e.user_id === '35').length / events.length
      expect(share, `skew ${skew}`).to.be.within(0.28, 0.32)
    }
    const two = generate({hotUsers: [parseHotUser('35:0.3'), parseHotUser('7:10%')], seed: 12}, 50_000)
    expect(two.filter((e) => e.user_id === '7').length / two.length).to.be.within(0.08, 0.12)
  })

  it('skews traffic towards low user numbers with --skew (Zipf)', () => {
    const events = generate({seed: 3, skew: 1, users: 100}, 50_000)
    const counts = new Map<string, number>()
    for (const e of events) counts.set(e.user_id, (counts.get(e.user_id) ?? 0) + 1)
    // Zipf s=1 over 100 users: user 1 has 1/H(100) ≈ 19.3% of the events, user 2 half of that.
    expect(counts.get('1')! / events.length).to.be.within(0.18, 0.205)
    expect(counts.get('1')! / counts.get('2')!).to.be.within(1.8, 2.2)
    const uniform = generate({seed: 3, skew: 0, users: 100}, 50_000)
    const ones = uniform.filter((e) => e.user_id === '1').length / uniform.length
    expect(ones).to.be.within(0.008, 0.012)
  })

  it("walks every user's events through the funnel in order, at the documented rates", () => {
    const events = generate({seed: 21, users: 300}, 50_000)
    const last = new Map<string, number>()
    const reached = [0, 0, 0, 0]
    const sessions = new Map<string, number>()
    for (const e of events) {
      const stage = FUNNEL.indexOf(e.event_name)
      const before = last.get(e.user_id)
      if (stage > 0) expect(before, `${e.user_id}: ${e.event_name} after ${before === undefined ? 'nothing' : FUNNEL[before]}`).to.equal(stage - 1)
      if (stage === 0) sessions.set(e.user_id, e.additional_data.product_id)
      else expect(e.additional_data.product_id, 'same product within a session').to.equal(sessions.get(e.user_id))
      last.set(e.user_id, stage)
      reached[stage] += 1
    }
    const reach = funnelReach()
    for (let i = 1; i < FUNNEL.length; i++) {
      expect(reached[i] / reached[0], FUNNEL[i]).to.be.closeTo(reach[i], 0.02)
    }
    expect(reach[3]).to.be.closeTo(FUNNEL_CONTINUE.reduce((a, b) => a * b, 1), 1e-12)
  })

  it('takes its timestamps from the injected clock, insertion after the event', () => {
    const [e] = generate({}, 1, () => Date.UTC(2021, 6, 12, 12, 1, 58, 732) + 0.726)
    expect(e.timestamp).to.equal('2021-07-12 12:01:58.732726')
    expect(e.insertion_timestamp > e.timestamp).to.equal(true)
    const format = timestampFormatter()
    expect(format(0)).to.equal('1970-01-01 00:00:00.000000')
    expect(format(1_626_091_318_999_999)).to.equal('2021-07-12 12:01:58.999999')
  })

  it('gives each product one price with two decimals', () => {
    expect(productPrice(557_246)).to.equal(productPrice(557_246))
    for (let id = 100_000; id < 101_000; id++) {
      const p = productPrice(id)
      expect(p).to.be.within(1, 999.99)
      expect(Math.round(p * 100) / 100).to.equal(p)
    }
  })
})

describe('user mix', () => {
  it('parses ID[:SHARE]', () => {
    expect(parseHotUser('35:0.3')).to.deep.equal({share: 0.3, userId: 35})
    expect(parseHotUser('35:30%')).to.deep.equal({share: 0.3, userId: 35})
    expect(parseHotUser('35')).to.deep.equal({share: 0.25, userId: 35})
    for (const bad of ['x', '35:', '35:0', '35:1.5', '-1', '35:0.3:1', '']) expect(() => parseHotUser(bad), bad).to.throw(UsageError)
  })

  it('rejects hot users outside the users, twice, or over 100% in total', () => {
    expect(() => validateUserMix({hotUsers: [{share: 0.3, userId: 1001}], skew: 0, users: 1000})).to.throw(UsageError, /not a user/)
    expect(() => validateUserMix({hotUsers: [{share: 0.3, userId: 5}, {share: 0.2, userId: 5}], skew: 0, users: 10})).to.throw(UsageError, /twice/)
    expect(() => validateUserMix({hotUsers: [{share: 0.6, userId: 1}, {share: 0.5, userId: 2}], skew: 0, users: 10})).to.throw(UsageError, /110%/)
    expect(() => validateUserMix({hotUsers: [], skew: -1, users: 10})).to.throw(UsageError, /--skew/)
    expect(() => validateUserMix({hotUsers: [], skew: 0, users: 0})).to.throw(UsageError, /--users/)
  })

  it('computes weights that sum to 1 with the hot shares exact', () => {
    const w = userWeights({hotUsers: [{share: 0.3, userId: 35}], skew: 1, users: 1000})
    expect(w.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-9)
    expect(w[34]).to.be.closeTo(0.3, 1e-12)
    expect(w[0] / w[1]).to.be.closeTo(2, 1e-9)
    const all = userWeights({hotUsers: [{share: 1, userId: 3}], skew: 0, users: 5})
    expect([...all]).to.deep.equal([0, 0, 1, 0, 0])
  })

  it('samples an alias table with the given probabilities', () => {
    const table = aliasTable(new Float64Array([0.5, 0.25, 0.125, 0.125]))
    const random = createRandom(1)
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 80_000; i++) counts[table.sample(random)] += 1
    const expected = [0.5, 0.25, 0.125, 0.125]
    for (let i = 0; i < 4; i++) expect(counts[i] / 80_000, `index ${i}`).to.be.closeTo(expected[i], 0.01)
  })

  it('moves sessions through the funnel by the continue rates', () => {
    expect(nextStage(-1, 0.99)).to.equal(0)
    expect(nextStage(0, 0.1)).to.equal(1)
    expect(nextStage(0, 0.9)).to.equal(0)
    expect(nextStage(3, 0.0)).to.equal(0)
  })
})
