/** The demo's steps: the commands it shows, their numbering, its target. Pure, no stack. */
import {expect} from 'chai'

import {commandLine, DEMO_DEFAULTS, demoSteps, demoTarget, stepNumber} from '../../src/lib/demo/steps.js'

describe('clickops demo', () => {
  describe('steps (pure)', () => {
    it('lists every job with a command the user can repeat', () => {
      const steps = demoSteps({...DEMO_DEFAULTS, existing: true, liveHeatSeconds: 0, targetUtilization: 0.25})
      expect(steps.map((s) => s.id)).to.deep.equal(['stack', 'reset', 'provision', 'send-api', 'send-direct', 'heat', 'tail', 'plan', 'scale', 'status'])
      const lines = steps.map((s) => commandLine('clickops', s))
      expect(lines).to.include('clickops provision --stream clickops-demo --shards 4')
      expect(lines).to.include('clickops tail --stream clickops-demo --user 35 --from trim-horizon --no-follow --limit 5')
      expect(lines.find((l) => l.includes('--dry-run'))).to.equal('clickops scale --stream clickops-demo --target-utilization 0.25 --source stream --window 10m --dry-run')
      expect(steps.find((s) => s.id === 'heat')!.args).to.include('--once')
      expect(demoSteps({...DEMO_DEFAULTS, existing: false, liveHeatSeconds: 5}).find((s) => s.id === 'heat')!.args).to.include.members(['--for', '5s'])
      expect(demoSteps({...DEMO_DEFAULTS, existing: false, liveHeatSeconds: 0}).some((s) => s.id === 'reset')).to.equal(false)
    })

    it('numbers the steps the same whether or not an earlier demo stream is removed', () => {
      for (const existing of [true, false]) {
        const steps = demoSteps({...DEMO_DEFAULTS, existing, liveHeatSeconds: 0, targetUtilization: 0.25})
        const headings = steps.map((s, i) => {
          const at = stepNumber(steps, i)
          return at === undefined ? s.id : `${at.n}/${at.of} ${s.id}`
        })
        const numbered = ['stack', 'provision', 'send-api', 'send-direct', 'heat', 'tail', 'plan', 'scale', 'status'].map((id, i) => `${i + 1}/9 ${id}`)
        expect(headings).to.deep.equal(existing ? [numbered[0], 'reset', ...numbered.slice(1)] : numbered)
      }
    })

    it('aims at 60% of the measured hottest peak when no target is given', () => {
      expect(demoTarget(0.5)).to.equal(0.3)
      expect(demoTarget(0.237)).to.equal(0.14)
      expect(demoTarget(0.001)).to.equal(0.01)
    })
  })
})
