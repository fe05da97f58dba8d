/**
 * Capacity modes against the real kinesis-local (DescribeAccountSettings, UpdateAccountSettings,
 * on-demand streams), and the AccessDenied path with a mocked client (an IAM refusal cannot be
 * produced by the emulator).
 */
import {CreateStreamCommand, DescribeAccountSettingsCommand, KinesisClient, UpdateAccountSettingsCommand, waitUntilStreamExists} from '@aws-sdk/client-kinesis'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {accountSettingLabel, capacityModeLabel, capacityOf, readAccountSettings} from '../../../src/lib/kinesis/capacity.js'
import {getStreamStatus} from '../../../src/lib/kinesis/status.js'
import {sharedKinesisLocal} from '../../helpers/kinesis-local.js'

describe('kinesis: capacity modes (kinesis-local)', () => {
  let kinesis: KinesisClient
  const stream = `capacity-${process.pid}`

  before(async () => {
    kinesis = (await sharedKinesisLocal()).client()
    await kinesis.send(new CreateStreamCommand({StreamModeDetails: {StreamMode: 'ON_DEMAND'}, StreamName: stream}))
    await waitUntilStreamExists({client: kinesis, maxWaitTime: 60}, {StreamName: stream})
  })

  after(async () => {
    // The account setting is shared by every test file on this emulator: leave it off.
    await kinesis.send(new UpdateAccountSettingsCommand({MinimumThroughputBillingCommitment: {Status: 'DISABLED'}})).catch(() => undefined)
  })

  it('reads the account setting: Standard by default, Advantage once the commitment is enabled', async () => {
    const before = await readAccountSettings(kinesis)
    expect(before).to.deep.include({commitment: 'DISABLED', readable: true})
    expect((await getStreamStatus(kinesis, stream, 'local')).capacity.mode).to.equal('on-demand-standard')

    await kinesis.send(new UpdateAccountSettingsCommand({MinimumThroughputBillingCommitment: {Status: 'ENABLED'}}))
    const after = await readAccountSettings(kinesis)
    expect(after.readable).to.equal(true)
    expect(after.readable && after.commitment).to.equal('ENABLED')
    const status = await getStreamStatus(kinesis, stream, 'local')
    expect(status.capacity.mode).to.equal('on-demand-advantage')
    expect(capacityModeLabel(status.capacity.mode)).to.equal('on-demand Advantage')
    expect(accountSettingLabel(status.capacity.account)).to.match(/^On-demand Advantage/)
  })

  it('AccessDenied on DescribeAccountSettings: "not readable", and an on-demand stream of unknown tier', async () => {
    const denied = new KinesisClient({credentials: {accessKeyId: 'x', secretAccessKey: 'y'}, region: 'us-east-1'})
    const mock = mockClient(denied)
    mock.on(DescribeAccountSettingsCommand).rejects(Object.assign(new Error('User is not authorized'), {name: 'AccessDeniedException'}))
    try {
      const account = await readAccountSettings(denied)
      expect(account).to.deep.equal({readable: false, reason: 'not readable (access denied: kinesis:DescribeAccountSettings)'})
      const capacity = capacityOf({StreamModeDetails: {StreamMode: 'ON_DEMAND'}, WarmThroughput: {CurrentMiBps: 20, TargetMiBps: 40}}, account)
      expect(capacity.mode).to.equal('on-demand')
      expect(capacity.warmThroughput).to.deep.equal({currentMiBps: 20, targetMiBps: 40})
      expect(capacityModeLabel(capacity.mode)).to.include('not readable')
      // A provisioned stream is provisioned whatever the account says.
      expect(capacityOf({StreamModeDetails: {StreamMode: 'PROVISIONED'}}, account).mode).to.equal('provisioned')
    } finally {
      mock.restore()
      denied.destroy()
    }
  })
})
