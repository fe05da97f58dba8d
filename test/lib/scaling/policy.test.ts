import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {UsageError} from '../../../src/lib/errors.js'
import {loadPolicyFile, parsePolicyText, POLICY_DEFAULTS, resolvePolicy, sourceFor, validateSettings} from '../../../src/lib/scaling/policy.js'

async function usageError(fn: () => unknown): Promise<UsageError> {
  try {
    await fn()
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError)
    return error as UsageError
  }
  expect.fail('expected a UsageError')
}

describe('scaling policy', () => {
  it('fills in the defaults', () => {
    expect(validateSettings({})).to.deep.equal({...POLICY_DEFAULTS})
    expect(POLICY_DEFAULTS).to.include({basis: 'peak', cooldownInMs: 3_600_000, cooldownOutMs: 300_000, minShards: 1, scaleInMargin: 0.1, targetUtilization: 0.7, windowMs: 900_000})
  })

  it('rejects a target utilisation of 0 or 1.5, and accepts 1', async () => {
    for (const bad of ['0', '1.5', '-0.2', 'abc', '']) {
      const e = await usageError(() => validateSettings({'target-utilization': bad}))
      expect(e.message).to.match(/--target-utilization must (be above 0 and at most 1|be a number)/)
    }
    expect(validateSettings({'target-utilization': '1'}).targetUtilization).to.equal(1)
  })

  it('rejects min above max, and shard counts outside 1..10,000', async () => {
    expect((await usageError(() => validateSettings({'max-shards': '4', 'min-shards': '8'}))).message).to.equal('--min-shards (8) is above --max-shards (4).')
    expect((await usageError(() => validateSettings({'max-shards': '10001'}))).message).to.match(/from 1 to 10,000/)
    expect((await usageError(() => validateSettings({'min-shards': '2.5'}))).message).to.match(/whole number/)
  })

  it('checks the margin against the target, durations and the basis', async () => {
    expect((await usageError(() => validateSettings({'scale-in-margin': '0.7', 'target-utilization': '0.7'}))).message).to.match(/below the target utilisation \(0.7\)/)
    expect(validateSettings({'target-utilization': '0.1'}).scaleInMargin).to.equal(0.05)
    expect((await usageError(() => validateSettings({'cooldown-in': 'soon'}))).message).to.match(/--cooldown-in "soon" is not a duration/)
    expect((await usageError(() => validateSettings({window: '5s'}))).message).to.match(/--window must be from 10s to 1d/)
    expect((await usageError(() => validateSettings({basis: 'median'}))).message).to.match(/--basis must be peak or mean/)
    expect(validateSettings({'cooldown-in': '90m', 'cooldown-out': 0, window: '5m'})).to.include({cooldownInMs: 5_400_000, cooldownOutMs: 0, windowMs: 300_000})
  })

  it('checks the window against the source', async () => {
    const p = validateSettings({window: '30s'})
    expect(sourceFor(p, 'stream')).to.equal('stream')
    expect((await usageError(() => sourceFor(p, 'cloudwatch', '--window'))).message).to.equal('--window 30s is out of range for the cloudwatch source (1m to 1d).')
    expect((await usageError(() => sourceFor(validateSettings({window: '2h'}), 'stream'))).message).to.match(/stream source \(10s to 1h\)/)
  })

  describe('policy files', () => {
    const yaml = [
      '# every stream',
      'target-utilization: 0.6',
      'cooldown-in: 2h',
      'streams:',
      '  clickstream:',
      '    min-shards: 2',
      '    max-shards: 64',
      '    window: 5m',
      '  orders:',
      '    target-utilization: 0.8',
    ].join('\n')

    it('reads YAML with per-stream overrides; flags win', async () => {
      const file = await parsePolicyText(yaml, 'scale.yaml')
      const {origins, policy} = resolvePolicy({file, flags: {'max-shards': '32'}, stream: 'clickstream'})
      expect(policy).to.include({cooldownInMs: 7_200_000, maxShards: 32, minShards: 2, targetUtilization: 0.6, windowMs: 300_000})
      expect(origins).to.include({'cooldown-in': 'policy file', 'max-shards': 'flag', 'min-shards': 'policy file (stream)', 'target-utilization': 'policy file', basis: 'default'})
      expect(resolvePolicy({file, flags: {}, stream: 'orders'}).policy.targetUtilization).to.equal(0.8)
      // A stream without an entry takes the top-level settings.
      expect(resolvePolicy({file, flags: {}, stream: 'other'}).policy).to.include({minShards: 1, targetUtilization: 0.6})
    })

    it('reads JSON', async () => {
      const file = await parsePolicyText(JSON.stringify({streams: {clicks: {'target-utilization': 0.5, basis: 'mean'}}}), 'p.json')
      expect(resolvePolicy({file, flags: {}, stream: 'clicks'}).policy).to.include({basis: 'mean', targetUtilization: 0.5})
      const e = await usageError(() => resolvePolicy({file, flags: {}, stream: 'other'}))
      expect(e.message).to.equal('Policy file p.json has no entry for stream "other" (it has: clicks).')
    })

    it('rejects an unknown key, naming it and the closest known one', async () => {
      let e = await usageError(() => parsePolicyText('target_utilisation: 0.7\n', 'scale.yaml'))
      expect(e.message).to.equal('Policy file scale.yaml: unknown key "target_utilisation" (did you mean "target-utilization"?).')
      expect(e.hint).to.match(/Known keys: target-utilization, min-shards/)
      e = await usageError(() => parsePolicyText('streams:\n  clicks:\n    maxShards: 4\n', 'scale.yaml'))
      expect(e.message).to.equal('Policy file scale.yaml: streams.clicks: unknown key "maxShards" (did you mean "max-shards"?).')
    })

    it('rejects bad values with the file and key, and malformed files', async () => {
      let e = await usageError(() => parsePolicyText('streams:\n  clicks:\n    target-utilization: 1.5\n', 'scale.yaml'))
      expect(e.message).to.match(/^scale.yaml: streams.clicks.target-utilization must be above 0 and at most 1/)
      e = await usageError(() => parsePolicyText('min-shards: 9\nmax-shards: 3\n', 'scale.yaml'))
      expect(e.message).to.equal('scale.yaml: min-shards (9) is above max-shards (3).')
      // A top-level mistake is named where it is, not under the stream that inherits it.
      e = await usageError(() => parsePolicyText('min-shards: 0\nstreams:\n  clicks:\n    target-utilization: 0.5\n', 'scale.yaml'))
      expect(e.message).to.match(/^scale.yaml: min-shards must be a whole number/)
      e = await usageError(() => parsePolicyText('max-shards: 3\nstreams:\n  clicks:\n    min-shards: 9\n', 'scale.yaml'))
      expect(e.message).to.equal('scale.yaml: streams.clicks.min-shards (9) is above max-shards (3).')
      e = await usageError(() => parsePolicyText('a: [1,\n', 'scale.yaml'))
      expect(e.message).to.match(/^Policy file scale.yaml is not valid YAML or JSON/)
      e = await usageError(() => parsePolicyText('{"x": ', 'p.json'))
      expect(e.message).to.match(/^Policy file p.json is not valid JSON/)
      e = await usageError(() => parsePolicyText('- 1\n- 2\n', 'scale.yaml'))
      expect(e.message).to.match(/must hold a mapping of settings, not a list/)
    })

    it('loads a file from disk, and says when it is missing', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'clickops-policy-'))
      try {
        const path = join(dir, 'scale.yml')
        await writeFile(path, yaml)
        expect((await loadPolicyFile(path)).streams.clickstream).to.deep.equal({'max-shards': 64, 'min-shards': 2, window: '5m'})
        const e = await usageError(() => loadPolicyFile(join(dir, 'nope.yaml')))
        expect(e.message).to.equal(`Policy file ${join(dir, 'nope.yaml')} does not exist.`)
      } finally {
        await rm(dir, {force: true, recursive: true})
      }
    })
  })
})
