/** Root hooks: fake credentials so no test reads ~/.aws, and the shared kinesis-local stopped at the end. */
import {stopSharedKinesisLocal} from './helpers/kinesis-local.js'

process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST'
process.env.AWS_SECRET_ACCESS_KEY = 'test-secret'
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config'
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
delete process.env.AWS_PROFILE
delete process.env.AWS_ENDPOINT_URL
delete process.env.CLICKOPS_TARGET

export const mochaHooks = {
  async afterAll() {
    await stopSharedKinesisLocal()
  },
}
