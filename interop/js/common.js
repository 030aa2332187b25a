'use strict'
// Shared by the interop peers: argument parsing, keys, the multiserver stack, and the deterministic byte
// generator the Java tests mirror (org.multiserver.shs.interop.TestBytes).

const crypto = require('crypto')
const net = require('net')
const MultiServer = require('multiserver')
const Net = require('multiserver/plugins/net')
const WS = require('multiserver/plugins/ws')
const Shs = require('multiserver/plugins/shs')
const SecretHandshake = require('secret-handshake')

// The SSB main network key, multiserver's and our default.
const SSB_APP_KEY = '1KHLiKZvAvjbY1ziZEHMXawbCEIM6qwjCDm3VYRan/s='

// --name value, --flag; every option can also come from the environment as MS_NAME (dashes become underscores).
function options (argv, spec) {
  const out = {}
  const positional = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('--')) { positional.push(arg); continue }
    const name = arg.slice(2)
    if (!(name in spec)) fail(64, 'unknown option --' + name + ' (known: ' + Object.keys(spec).join(', ') + ')')
    if (spec[name] === 'flag') out[name] = true
    else if (i + 1 < argv.length) out[name] = argv[++i]
    else fail(64, 'option --' + name + ' needs a value')
  }
  for (const name of Object.keys(spec)) {
    const env = process.env['MS_' + name.toUpperCase().replace(/-/g, '_')]
    if (out[name] === undefined && env !== undefined) out[name] = spec[name] === 'flag' ? env === '1' || env === 'true' : env
  }
  out._ = positional
  return out
}

function base64Bytes (text, what, length) {
  const buf = Buffer.from(text, 'base64')
  if (buf.length !== length) fail(64, what + ' must be ' + length + ' bytes of base64, got ' + buf.length)
  return buf
}

// Long-term keys from --seed (32 bytes, base64) or fresh random ones.
function keys (seedText) {
  const seed = seedText ? base64Bytes(seedText, '--seed', 32) : crypto.randomBytes(32)
  return SecretHandshake.toKeys(seed)
}

// A multiserver with one stack, <transport>~shs as the reference builds it, or the bare transport with `plain`.
function stack (opts) {
  const transport = opts.transport || 'net'
  const shs = opts.plain ? null : Shs({
    keys: opts.keys,
    appKey: opts.appKey || SSB_APP_KEY,
    auth: opts.auth || ((pub, cb) => cb(null, true)),
    timeout: opts.timeout ? Number(opts.timeout) : undefined
  })
  let proto
  if (transport === 'net') {
    proto = Net({ host: opts.host || '127.0.0.1', port: opts.port, scope: 'device', allowHalfOpen: opts.allowHalfOpen })
  } else if (transport === 'ws') {
    proto = WS({ host: opts.host || '127.0.0.1', port: opts.port, scope: 'device' })
  } else {
    fail(64, 'unknown --transport ' + transport + ' (net or ws)')
  }
  return MultiServer([shs ? [proto, shs] : [proto]])
}

// multiserver's net plugin leaves Nagle's algorithm on (only the ws package sets TCP_NODELAY), and box-stream writes
// each frame's header and body separately, so a small message waits for the peer's delayed ACK: about 40 ms per
// direction on Linux. Node 18+ takes `noDelay` in net.createServer and net.connect options; the plugin looks both
// up on the shared `net` module when it listens or dials, so adding the option here reaches every socket it makes.
function tcpNoDelay () {
  if (net.createServer.withNoDelay) return
  const createServer = net.createServer
  const connect = net.connect
  net.createServer = function (options, listener) {
    if (typeof options === 'function' || options === undefined) return createServer.call(net, { noDelay: true }, options)
    return createServer.call(net, Object.assign({ noDelay: true }, options), listener)
  }
  net.connect = net.createConnection = function (options, ...rest) {
    if (options === null || typeof options !== 'object') return connect.call(net, options, ...rest)
    return connect.call(net, Object.assign({ noDelay: true }, options), ...rest)
  }
  net.createServer.withNoDelay = true
}

// Port 0 does not work with multiserver's plugins (0 is falsy: they pick a random port), so ask the OS for a
// free port first and retry if someone else takes it in between.
function freePort (host, cb) {
  const probe = net.createServer()
  probe.once('error', cb)
  probe.listen(0, host, () => {
    const port = probe.address().port
    probe.close(() => cb(null, port))
  })
}

// Byte i of every test stream; 251 is prime, so the pattern never lines up with 4096-byte frames.
function testByte (i) {
  return (i * 7 + Math.floor(i / 251)) % 251
}

function testBytes (offset, length) {
  const buf = Buffer.alloc(length)
  for (let i = 0; i < length; i++) buf[i] = testByte(offset + i)
  return buf
}

// One JSON object a line: the Java tests wait for these.
function event (stream, name, fields) {
  stream.write(JSON.stringify(Object.assign({ event: name }, fields || {})) + '\n')
}

function fail (code, message) {
  process.stderr.write(message + '\n')
  process.exit(code)
}

module.exports = { SSB_APP_KEY, options, keys, stack, tcpNoDelay, freePort, testByte, testBytes, event, fail, base64Bytes }
