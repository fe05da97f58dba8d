/**
 * Root hooks: fake credentials so no test reads ~/.aws, the registry's AWS mocks taken off after
 * each test, and the shared kinesis-local stopped at the end.
 */
import {FAKE_CREDENTIALS, restoreAwsMocks} from './helpers/aws.js'
import {stopSharedKinesisLocal} from './helpers/kinesis-local.js'

process.env.AWS_ACCESS_KEY_ID = FAKE_CREDENTIALS.accessKeyId
process.env.AWS_SECRET_ACCESS_KEY = FAKE_CREDENTIALS.secretAccessKey
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config'
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
delete process.env.AWS_PROFILE
delete process.env.AWS_ENDPOINT_URL
delete process.env.CLICKOPS_TARGET

export const mochaHooks = {
  afterEach() {
    restoreAwsMocks()
  },
  async afterAll() {
    await stopSharedKinesisLocal()
  },
}
