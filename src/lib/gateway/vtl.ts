/**
 * API Gateway's mapping-template language, for the local gateway: Velocity templates rendered with
 * velocityjs, with JavaScript versions of API Gateway's `$input`, `$util` and `$context`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html).
 * Pure: the request, the clock and the ids come in as arguments.
 */
import {Compile, parse} from 'velocityjs'

export interface RequestParams {
  path: Record<string, string>
  querystring: Record<string, string>
  header: Record<string, string>
}

export interface ContextError {
  message?: string
  /** The message as a quoted JSON string. */
  messageString?: string
  responseType?: string
  /** Validation problems, JSON-escaped (without surrounding quotes). */
  validationErrorString?: string
}

export interface VtlContext {
  apiId: string
  stage: string
  requestId: string
  extendedRequestId: string
  httpMethod: string
  resourcePath: string
  path: string
  protocol: string
  domainName: string
  requestTime: string
  requestTimeEpoch: number
  accountId: string
  identity: {sourceIp: string; userAgent: string; apiKey?: string; apiKeyId?: string}
  error: ContextError
  /** Templates may set `status` and `header.<name>` to override the response (responseOverride). */
  responseOverride: {status?: number | string; header: Record<string, string>}
}

export interface RenderInput {
  /** The payload `$input` reads: the request body, or Kinesis' response for response templates. */
  body: string
  params?: RequestParams
  context: VtlContext
}

export interface Rendered {
  output: string
  status?: number
  headers: Record<string, string>
}

/** A JSONPath subset enough for mapping templates: `$`, `.name`, `['name']`, `["name"]`, `[index]`, `[*]`. */
export function jsonPath(root: unknown, expression: string): unknown {
  const text = expression.trim()
  if (!text.startsWith('$')) throw new Error(`JSONPath "${expression}" must start with $`)
  const re = /\.([A-Za-z_$][\w$-]*)|\[\s*(\d+)\s*\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*\*\s*\]|\.\*/gy
  re.lastIndex = 1
  let values: unknown[] = [root]
  let wildcard = false
  while (re.lastIndex < text.length) {
    const start = re.lastIndex
    const m = re.exec(text)
    if (!m || m.index !== start) throw new Error(`Unsupported JSONPath "${expression}"`)
    const key = m[1] ?? m[3] ?? m[4]
    if (key !== undefined) {
      values = values.map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined))
    } else if (m[2] !== undefined) {
      const i = Number(m[2])
      values = values.map((v) => (Array.isArray(v) ? v[i] : undefined))
    } else {
      wildcard = true
      values = values.flatMap((v) => (Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v) : []))
    }
  }
  return wildcard ? values : values[0]
}

/** Java's commons-lang StringEscapeUtils.escapeJavaScript, which `$util.escapeJavaScript` is. */
export function escapeJavaScript(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value)
  let out = ''
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    switch (ch) {
      case '"': out += '\\"'; break
      case "'": out += "\\'"; break
      case '\\': out += '\\\\'; break
      case '/': out += '\\/'; break
      case '\b': out += '\\b'; break
      case '\n': out += '\\n'; break
      case '\t': out += '\\t'; break
      case '\f': out += '\\f'; break
      case '\r': out += '\\r'; break
      default:
        if (code < 32 || code > 0x7f) {
          // Java strings are UTF-16: characters above the BMP become two \u escapes.
          for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`
        } else {
          out += ch
        }
    }
  }
  return out
}

/** Java's URLEncoder.encode(s, "UTF-8"): unreserved `A-Za-z0-9.-*_`, space as `+`. */
export function urlEncode(value: unknown): string {
  return encodeURIComponent(String(value ?? ''))
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
}

export function urlDecode(value: unknown): string {
  return decodeURIComponent(String(value ?? '').replace(/\+/g, ' '))
}

export function makeUtil() {
  return {
    base64Encode: (value: unknown) => Buffer.from(String(value ?? ''), 'utf8').toString('base64'),
    base64Decode: (value: unknown) => Buffer.from(String(value ?? ''), 'base64').toString('utf8'),
    escapeJavaScript,
    parseJson: (value: unknown) => JSON.parse(String(value)),
    urlEncode,
    urlDecode,
  }
}

export function makeInput(body: string, params: RequestParams = {header: {}, path: {}, querystring: {}}) {
  let parsed: {value: unknown} | undefined
  const root = () => {
    // API Gateway reads the payload as JSON; an empty payload is an empty object.
    parsed ??= {value: body.trim() === '' ? {} : JSON.parse(body)}
    return parsed.value
  }
  const headerLookup = (name: string) => {
    const lower = name.toLowerCase()
    const key = Object.keys(params.header).find((k) => k.toLowerCase() === lower)
    return key === undefined ? undefined : params.header[key]
  }
  return {
    body,
    json: (path: string) => JSON.stringify(jsonPath(root(), path) ?? null),
    path: (path: string) => jsonPath(root(), path),
    params: (name?: string) => {
      if (name === undefined) return params
      return params.path[name] ?? params.querystring[name] ?? headerLookup(name) ?? ''
    },
  }
}

/**
 * Java's `String.replaceAll(regex, replacement)`: every match of the regular expression (Java's
 * syntax, read as JavaScript's: the same for what templates use), and a replacement in which `$n`
 * is group n and a backslash quotes the next character. The JavaScript method of the same name
 * takes its pattern literally, so templates' `.replaceAll("\\'", "'")` would do nothing.
 */
export function javaReplaceAll(text: string, regex: string, replacement: string): string {
  const expand = (match: RegExpMatchArray) => {
    let out = ''
    for (let i = 0; i < replacement.length; i++) {
      const ch = replacement[i]
      if (ch === '\\' && i + 1 < replacement.length) out += replacement[++i]
      else if (ch === '$' && /\d/.test(replacement[i + 1] ?? '')) out += match[Number(replacement[++i])] ?? ''
      else out += ch
    }
    return out
  }
  let out = ''
  let last = 0
  for (const match of text.matchAll(new RegExp(regex, 'g'))) {
    out += text.slice(last, match.index) + expand(match)
    last = match.index! + match[0].length
  }
  return out + text.slice(last)
}

/** Java String methods that templates use and JavaScript strings lack or have with another meaning (`contains`, `equals`, `length()`, `replaceAll`). */
const JAVA_STRING_METHODS = [
  {
    uid: 'clickops: String.replaceAll',
    match: ({property, context}: {property: string; context: unknown}) => property === 'replaceAll' && typeof context === 'string',
    resolve: ({context, params}: {context: string; params: unknown[]}) => javaReplaceAll(context, String(params[0]), String(params[1])),
  },
  {
    uid: 'clickops: String.contains',
    match: ({property, context}: {property: string; context: unknown}) => property === 'contains' && typeof context === 'string',
    resolve: ({context, params}: {context: string; params: unknown[]}) => context.includes(String(params[0])),
  },
  {
    uid: 'clickops: String.equals',
    match: ({property, context}: {property: string; context: unknown}) => property === 'equals' && typeof context === 'string',
    resolve: ({context, params}: {context: string; params: unknown[]}) => context === String(params[0]),
  },
  {
    uid: 'clickops: String.length()',
    match: ({property, context}: {property: string; context: unknown}) => property === 'length' && typeof context === 'string',
    resolve: ({context}: {context: string}) => context.length,
  },
]

/**
 * velocityjs re-parses every interpolated string literal ("$.records[$foreach.index]") each time
 * it is evaluated; in a #foreach over 500 records that parse dominates. Parsed literals are cached
 * (their ASTs are not modified by rendering, like the template's own).
 */
class CachingCompile extends Compile {
  private static literals = new Map<string, unknown>()

  override evalStr(str: string): string {
    let asts = CachingCompile.literals.get(str)
    if (asts === undefined) {
      asts = parse(str)
      if (CachingCompile.literals.size > 1024) CachingCompile.literals.clear()
      CachingCompile.literals.set(str, asts)
    }
    const self = this as unknown as {renderAstList(asts: unknown, contextId: string): string; contextId: string}
    return self.renderAstList(asts, self.contextId)
  }
}

const compiled = new Map<string, Compile>()

function compile(template: string): Compile {
  let c = compiled.get(template)
  if (c === undefined) {
    c = new CachingCompile(parse(template), {customMethodHandlers: JAVA_STRING_METHODS} as never)
    if (compiled.size > 256) compiled.clear()
    compiled.set(template, c)
  }
  return c
}

/** Renders a mapping template; returns the output and any status/headers it set in responseOverride. */
export function renderTemplate(template: string, input: RenderInput): Rendered {
  const context: VtlContext = {...input.context, responseOverride: {header: {}}}
  const output = compile(template).render({
    context,
    input: makeInput(input.body, input.params),
    stageVariables: {},
    util: makeUtil(),
  })
  const status = context.responseOverride.status === undefined ? undefined : Number(context.responseOverride.status)
  return {headers: {...context.responseOverride.header}, output, status: Number.isInteger(status) ? status : undefined}
}

/** `$context.requestTime`: `dd/MMM/yyyy:HH:mm:ss +0000`. */
export function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs)
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}
