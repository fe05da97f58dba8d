/** Amazon Kinesis Data Streams: the calls clickops makes, each loading the SDK on first use. */
import type * as k from '@aws-sdk/client-kinesis'

import {lazy, type ActionTable, type CallOptions} from './facade.js'

export type KinesisClient = k.KinesisClient
const sdk = lazy(() => import('@aws-sdk/client-kinesis'))

export const ACTIONS = {
  addTagsToStream: 'kinesis:AddTagsToStream',
  createStream: ['kinesis:CreateStream', 'kinesis:AddTagsToStream'],
  decreaseStreamRetentionPeriod: 'kinesis:DecreaseStreamRetentionPeriod',
  deleteStream: 'kinesis:DeleteStream',
  deregisterStreamConsumer: 'kinesis:DeregisterStreamConsumer',
  describeAccountSettings: 'kinesis:DescribeAccountSettings',
  describeLimits: 'kinesis:DescribeLimits',
  describeStreamConsumer: 'kinesis:DescribeStreamConsumer',
  describeStreamSummary: 'kinesis:DescribeStreamSummary',
  disableEnhancedMonitoring: 'kinesis:DisableEnhancedMonitoring',
  enableEnhancedMonitoring: 'kinesis:EnableEnhancedMonitoring',
  getRecords: 'kinesis:GetRecords',
  getShardIterator: 'kinesis:GetShardIterator',
  increaseStreamRetentionPeriod: 'kinesis:IncreaseStreamRetentionPeriod',
  listShards: 'kinesis:ListShards',
  listStreamConsumers: 'kinesis:ListStreamConsumers',
  listTagsForStream: 'kinesis:ListTagsForStream',
  mergeShards: 'kinesis:MergeShards',
  putRecord: 'kinesis:PutRecord',
  putRecords: 'kinesis:PutRecords',
  registerStreamConsumer: 'kinesis:RegisterStreamConsumer',
  splitShard: 'kinesis:SplitShard',
  startStreamEncryption: 'kinesis:StartStreamEncryption',
  subscribeToShard: 'kinesis:SubscribeToShard',
  stopStreamEncryption: 'kinesis:StopStreamEncryption',
  updateShardCount: 'kinesis:UpdateShardCount',
  updateMaxRecordSize: 'kinesis:UpdateMaxRecordSize',
  updateStreamMode: 'kinesis:UpdateStreamMode',
} as const satisfies ActionTable

/** Builds the client (used by src/lib/aws/clients.ts, which owns the configuration). */
export const createClient = async (config: k.KinesisClientConfig) => new (await sdk()).KinesisClient(config)

export const addTagsToStream = async (c: KinesisClient, input: k.AddTagsToStreamCommandInput) => c.send(new (await sdk()).AddTagsToStreamCommand(input))
export const createStream = async (c: KinesisClient, input: k.CreateStreamCommandInput) => c.send(new (await sdk()).CreateStreamCommand(input))
export const decreaseStreamRetentionPeriod = async (c: KinesisClient, input: k.DecreaseStreamRetentionPeriodCommandInput) => c.send(new (await sdk()).DecreaseStreamRetentionPeriodCommand(input))
export const deleteStream = async (c: KinesisClient, input: k.DeleteStreamCommandInput) => c.send(new (await sdk()).DeleteStreamCommand(input))
export const describeLimits = async (c: KinesisClient, input: k.DescribeLimitsCommandInput = {}) => c.send(new (await sdk()).DescribeLimitsCommand(input))
export const describeStreamSummary = async (c: KinesisClient, input: k.DescribeStreamSummaryCommandInput) => c.send(new (await sdk()).DescribeStreamSummaryCommand(input))
export const disableEnhancedMonitoring = async (c: KinesisClient, input: k.DisableEnhancedMonitoringCommandInput) => c.send(new (await sdk()).DisableEnhancedMonitoringCommand(input))
export const enableEnhancedMonitoring = async (c: KinesisClient, input: k.EnableEnhancedMonitoringCommandInput) => c.send(new (await sdk()).EnableEnhancedMonitoringCommand(input))
export const getRecords = async (c: KinesisClient, input: k.GetRecordsCommandInput, options?: CallOptions) => c.send(new (await sdk()).GetRecordsCommand(input), options)
export const getShardIterator = async (c: KinesisClient, input: k.GetShardIteratorCommandInput, options?: CallOptions) => c.send(new (await sdk()).GetShardIteratorCommand(input), options)
export const increaseStreamRetentionPeriod = async (c: KinesisClient, input: k.IncreaseStreamRetentionPeriodCommandInput) => c.send(new (await sdk()).IncreaseStreamRetentionPeriodCommand(input))
export const listShards = async (c: KinesisClient, input: k.ListShardsCommandInput, options?: CallOptions) => c.send(new (await sdk()).ListShardsCommand(input), options)
export const listTagsForStream = async (c: KinesisClient, input: k.ListTagsForStreamCommandInput) => c.send(new (await sdk()).ListTagsForStreamCommand(input))
export const mergeShards = async (c: KinesisClient, input: k.MergeShardsCommandInput) => c.send(new (await sdk()).MergeShardsCommand(input))
export const putRecord = async (c: KinesisClient, input: k.PutRecordCommandInput, options?: CallOptions) => c.send(new (await sdk()).PutRecordCommand(input), options)
export const putRecords = async (c: KinesisClient, input: k.PutRecordsCommandInput, options?: CallOptions) => c.send(new (await sdk()).PutRecordsCommand(input), options)
export const splitShard = async (c: KinesisClient, input: k.SplitShardCommandInput) => c.send(new (await sdk()).SplitShardCommand(input))
export const startStreamEncryption = async (c: KinesisClient, input: k.StartStreamEncryptionCommandInput) => c.send(new (await sdk()).StartStreamEncryptionCommand(input))
export const stopStreamEncryption = async (c: KinesisClient, input: k.StopStreamEncryptionCommandInput) => c.send(new (await sdk()).StopStreamEncryptionCommand(input))
export const updateShardCount = async (c: KinesisClient, input: k.UpdateShardCountCommandInput) => c.send(new (await sdk()).UpdateShardCountCommand(input))
export const updateMaxRecordSize = async (c: KinesisClient, input: k.UpdateMaxRecordSizeCommandInput) => c.send(new (await sdk()).UpdateMaxRecordSizeCommand(input))
export const updateStreamMode = async (c: KinesisClient, input: k.UpdateStreamModeCommandInput) => c.send(new (await sdk()).UpdateStreamModeCommand(input))
export const deregisterStreamConsumer = async (c: KinesisClient, input: k.DeregisterStreamConsumerCommandInput, options?: CallOptions) => c.send(new (await sdk()).DeregisterStreamConsumerCommand(input), options)
export const describeAccountSettings = async (c: KinesisClient, input: k.DescribeAccountSettingsCommandInput = {}, options?: CallOptions) => c.send(new (await sdk()).DescribeAccountSettingsCommand(input), options)
export const describeStreamConsumer = async (c: KinesisClient, input: k.DescribeStreamConsumerCommandInput, options?: CallOptions) => c.send(new (await sdk()).DescribeStreamConsumerCommand(input), options)
export const listStreamConsumers = async (c: KinesisClient, input: k.ListStreamConsumersCommandInput, options?: CallOptions) => c.send(new (await sdk()).ListStreamConsumersCommand(input), options)
export const registerStreamConsumer = async (c: KinesisClient, input: k.RegisterStreamConsumerCommandInput, options?: CallOptions) => c.send(new (await sdk()).RegisterStreamConsumerCommand(input), options)
export const subscribeToShard = async (c: KinesisClient, input: k.SubscribeToShardCommandInput, options?: CallOptions) => c.send(new (await sdk()).SubscribeToShardCommand(input), options)
