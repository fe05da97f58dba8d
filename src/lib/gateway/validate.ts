/**
 * The local gateway's request validator: the API document's draft-04 models compiled with ajv
 * (ajv-draft-04), with `$ref`s between models resolved, and API Gateway's style of error text.
 */
import type {ErrorObject, ValidateFunction} from 'ajv'
import AjvModule from 'ajv-draft-04'

import type {ApiDocument, JsonSchema} from './openapi.js'

const Ajv = ((AjvModule as unknown as {default?: unknown}).default ?? AjvModule) as unknown as new (options: Record<string, unknown>) => {
  compile(schema: JsonSchema): ValidateFunction
}

const MODEL_REF = /^#\/components\/schemas\/(.+)$/

/** Replaces `{"$ref": "#/components/schemas/X"}` by model X (API Gateway resolves the same references). */
export function inlineRefs(schema: unknown, models: Record<string, JsonSchema>, depth = 0): unknown {
  if (depth > 32) throw new Error('model references nest too deeply (a cycle?)')
  if (Array.isArray(schema)) return schema.map((s) => inlineRefs(s, models, depth + 1))
  if (schema === null || typeof schema !== 'object') return schema
  const ref = (schema as {$ref?: unknown}).$ref
  if (typeof ref === 'string') {
    const name = MODEL_REF.exec(ref)?.[1]
    if (name === undefined || models[name] === undefined) throw new Error(`unknown model reference ${ref}`)
    return inlineRefs(models[name], models, depth + 1)
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inlineRefs(v, models, depth + 1)]))
}

/** A validator per model name of the document. */
export function compileModels(doc: ApiDocument): (ref: string) => ValidateFunction {
  const ajv = new Ajv({allErrors: true, strict: false, verbose: true})
  const cache = new Map<string, ValidateFunction>()
  return (ref: string) => {
    let validate = cache.get(ref)
    if (validate === undefined) {
      validate = ajv.compile(inlineRefs({$ref: ref}, doc.components.schemas) as JsonSchema)
      cache.set(ref, validate)
    }
    return validate
  }
}

const MAX_REPORTED = 10
const CLIP = 40

/**
 * The value as JSON, cut at 40 characters. Writes no more than that, so a huge or deeply nested
 * value (100,000 arrays deep overflows JSON.stringify's stack) costs next to nothing.
 */
export function clip(value: unknown): string {
  let out = ''
  const write = (v: unknown) => {
    if (out.length > CLIP) return
    if (Array.isArray(v)) {
      out += '['
      for (let i = 0; i < v.length && out.length <= CLIP; i++) {
        if (i > 0) out += ','
        write(v[i])
      }
      out += ']'
    } else if (v !== null && typeof v === 'object') {
      out += '{'
      let first = true
      for (const key in v) {
        if (out.length > CLIP) break
        if (!first) out += ','
        first = false
        out += `${JSON.stringify(key.slice(0, CLIP))}:`
        write((v as Record<string, unknown>)[key])
      }
      out += '}'
    } else {
      out += typeof v === 'string' ? JSON.stringify(v.slice(0, CLIP + 1)) : (JSON.stringify(v) ?? String(v))
    }
  }
  write(value)
  return out.length > CLIP ? `${out.slice(0, CLIP - 3)}...` : out
}
const typeName = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value)

/** One line per problem, in the words of API Gateway's validator, prefixed by where it is. */
export function describeError(error: ErrorObject): string {
  const at = error.instancePath === '' ? '' : `${error.instancePath}: `
  const p = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return `${at}object has missing required properties (["${String(p.missingProperty)}"])`
    case 'additionalProperties':
      return `${at}object instance has properties which are not allowed by the schema: ["${String(p.additionalProperty)}"]`
    case 'type':
      return `${at}instance type (${typeName(error.data)}) does not match any allowed primitive type (allowed: ["${String(p.type)}"])`
    case 'pattern':
      return `${at}ECMA 262 regex "${String(p.pattern)}" does not match input string ${clip(error.data)}`
    case 'enum':
      return `${at}instance value (${clip(error.data)}) not found in enum (possible values: ${JSON.stringify(p.allowedValues)})`
    case 'maxItems':
      return `${at}array is too long: must have at most ${String(p.limit)} elements but instance has ${(error.data as unknown[]).length} elements`
    case 'minItems':
      return `${at}array is too short: must have at least ${String(p.limit)} elements but instance has ${(error.data as unknown[]).length} elements`
    case 'minimum':
      return `${at}numeric instance is lower than the required minimum (minimum: ${String(p.limit)}, found: ${clip(error.data)})`
    case 'maximum':
      return `${at}numeric instance is greater than the required maximum (maximum: ${String(p.limit)}, found: ${clip(error.data)})`
    default:
      return `${at}${error.message ?? error.keyword}`
  }
}

/** `[problem, problem, ...]` like API Gateway's `$context.error.validationErrorString` (first ten). */
export function validationErrorString(errors: readonly ErrorObject[]): string {
  return problemList(errors.map((e) => describeError(e)))
}

/** `[problem, problem, ...]`: the first ten, then how many more. */
export function problemList(lines: readonly string[]): string {
  const shown = lines.slice(0, MAX_REPORTED)
  if (lines.length > MAX_REPORTED) shown.push(`and ${lines.length - MAX_REPORTED} more`)
  return `[${shown.join(', ')}]`
}

/** A number of the body that JSON (read as IEEE doubles, as `$input.json` re-serialises it) cannot carry exactly. */
export interface InexactNumber {
  /** JSON Pointer of the value, e.g. `/additional_data/price`. */
  path: string
  /** The number as written in the body. */
  token: string
  /** lossless-json's reason: overflow, underflow, truncate_integer or truncate_float. */
  reason: string
}

/**
 * Only a number token with an exponent or 16 or more digits can be inexact (15 significant
 * digits always survive a double); this finds every such token, and a few look-alikes inside
 * strings, so most bodies need nothing more than this one scan.
 */
const MAYBE_INEXACT = /[:,[]\s*-?\d[\d.]*(?:[eE]|[\d.]{15})/

/**
 * The numbers of a JSON text that would be stored with another value: non-finite (`1e400` becomes
 * null), below the smallest double (`1e-400` becomes 0), integers beyond 2^53
 * (`18446744073709551617` becomes 18446744073709552000) and decimals with more digits than a double
 * keeps. The text must be valid JSON (JSON.parse accepted it).
 */
export async function inexactNumbers(text: string): Promise<InexactNumber[]> {
  if (!MAYBE_INEXACT.test(text)) return []
  const {getUnsafeNumberReason, parse} = await import('lossless-json')
  const found: InexactNumber[] = []
  class Inexact {
    constructor(readonly token: string) {}
  }
  const value = parse(text, null, {
    // JSON.parse keeps the last of duplicate keys; so does the stored record.
    onDuplicateKey: ({newValue}) => newValue,
    parseNumber: (token) => (getUnsafeNumberReason(token) === undefined ? 0 : new Inexact(token)),
  })
  const escape = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1')
  const walk = (node: unknown, path: string) => {
    if (node instanceof Inexact) {
      found.push({path, reason: getUnsafeNumberReason(node.token)!, token: node.token})
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${path}/${i}`))
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) walk(item, `${path}/${escape(key)}`)
    }
  }
  walk(value, '')
  return found
}

/** One line per inexact number, in the style of the validator's problems. */
export function describeInexactNumber(n: InexactNumber): string {
  const at = n.path === '' ? '' : `${n.path}: `
  const token = n.token.length > 40 ? `${n.token.slice(0, 37)}...` : n.token
  const value = Number(n.token)
  const stored = `it would be stored as ${JSON.stringify(value)}`
  if (!Number.isFinite(value)) return `${at}number ${token} is out of range for JSON (${stored})`
  if (value === 0) return `${at}number ${token} is too small for JSON (${stored})`
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return `${at}integer ${token} is beyond 2^53, which JSON cannot carry exactly (${stored})`
  return `${at}number ${token} has more digits than JSON carries exactly (${stored})`
}
