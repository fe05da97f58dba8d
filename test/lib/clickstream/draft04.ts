/** ajv with the draft-04 dialect (the one API Gateway models use), for validating in tests. */
import type {ValidateFunction} from 'ajv'
import AjvModule from 'ajv-draft-04'

// ajv-draft-04 is CommonJS: its class is the default export at run time, `.default` under some loaders.
const Ajv = ((AjvModule as unknown as {default?: unknown}).default ?? AjvModule) as unknown as new (options?: Record<string, unknown>) => {
  compile(schema: object): ValidateFunction
  errorsText(errors?: ValidateFunction['errors']): string
}

export function draft04(schema: object): {validate: ValidateFunction; errors: () => string} {
  const ajv = new Ajv({allErrors: true})
  const validate = ajv.compile(schema)
  return {errors: () => ajv.errorsText(validate.errors), validate}
}
