'use strict'
// End-to-end figures for the JS peer (multiserver 3.8.2 + secret-handshake 1.1.21), the counterpart of
// `multiserver bench` in ms-cli. One JSON line on stdout per measurement.
//
//   node bench.js serve [--transport net|ws] [--plain] [--host 127.0.0.1] [--app-key B64] [--seed B64]
//       A silent echo server (no per-connection log lines, unlike echo-server.js); the first line on stdout is the
//       address. --plain serves the bare transport, without shs. Runs until killed.
//   node bench.js handshakes ADDRESS [--count N] [--concurrency C] [--warmup W] [--app-key B64] [--seed B64]
//       W round trips (default 200), then N timed ones: connect, complete the handshake, echo one byte, close; C in
//       flight. Prints {"impl":"js","kind":"handshakes","n":N,"conc":C,"seconds":S,"perSecond":R}
//   node bench.js throughput ADDRESS [--mib M] [--warmup-mib W] [--app-key B64] [--seed B64]
//       Echoes W MiB (default 32) through a first connection, then M MiB in 64 KiB writes through a second one,
//       timed from the established connection to the last echoed byte.
//       Prints {"impl":"js","kind":"throughput","mib":M,"seconds":S,"mibPerSecond":R}
//
// The same defaults and the same loop as `multiserver bench`, so either client measures either server alike. The
// client's stack comes from the address (net:... or ws://..., with or without ~shs). TCP sockets get TCP_NODELAY,
// as Java's do and as the ws package already sets; --nagle leaves multiserver's net plugin as it ships (see
// common.tcpNoDelay). Exit codes: 0 ok, 1 a connection failed, 64 usage.

const pull = require('pull-stream')
const common = require('./common')

const CHUNK = 64 * 1024

const opts = common.options(process.argv.slice(2), {
  transport: 'value', host: 'value', 'app-key': 'value', seed: 'value', count: 'value', concurrency: 'value',
  mib: 'value', timeout: 'value', warmup: 'value', 'warmup-mib': 'value', plain: 'flag', nagle: 'flag'
})
const [mode, address] = opts._
const usage = 'usage: node bench.js serve [--transport net|ws] [--plain] | handshakes ADDRESS [--count N]' +
  ' [--concurrency C] [--warmup W] | throughput ADDRESS [--mib M] [--warmup-mib W]'

if (!opts.nagle) common.tcpNoDelay()

if (mode === 'serve') serve(0)
else if (mode === 'handshakes' && address) handshakes()
else if (mode === 'throughput' && address) throughput()
else common.fail(64, usage)

function integer (text, fallback, least, what) {
  const n = text === undefined ? fallback : Number(text)
  if (!Number.isInteger(n) || n < least) common.fail(64, what + ' must be an integer of at least ' + least + ', got ' + text)
  return n
}

function transportOf (addr) {
  return addr.startsWith('ws') ? 'ws' : addr.split(':')[0]
}

function client () {
  return common.stack({
    transport: transportOf(address),
    plain: !address.includes('~shs'),
    keys: common.keys(opts.seed),
    appKey: opts['app-key'],
    timeout: opts.timeout
  })
}

function print (fields) {
  process.stdout.write(JSON.stringify(Object.assign({ impl: 'js' }, fields)) + '\n')
}

function round (x, digits) {
  const f = Math.pow(10, digits)
  return Math.round(x * f) / f
}

// ---- serve -------------------------------------------------------------------------------------------------------

function serve (attempt) {
  const host = opts.host || '127.0.0.1'
  common.freePort(host, (err, port) => {
    if (err) common.fail(70, 'no free port: ' + err.message)
    const ms = common.stack({
      transport: opts.transport || 'net',
      plain: opts.plain,
      host,
      port,
      keys: common.keys(opts.seed),
      appKey: opts['app-key'],
      timeout: opts.timeout,
      allowHalfOpen: true
    })
    ms.server((stream) => {
      // Echo; a stream error (a client that aborts after its echo) is expected here and not logged.
      pull(stream.source, stream.sink)
    }, (err) => {
      process.stderr.write('handshake failed: ' + (err && err.message) + '\n')
    }, (err) => {
      if (err) {
        if (err.code === 'EADDRINUSE' && attempt < 5) return serve(attempt + 1)
        common.fail(70, 'could not listen: ' + err.message)
      }
      process.stdout.write(ms.stringify('device') + '\n')
    })
  })
}

// ---- handshakes --------------------------------------------------------------------------------------------------

// Connect, handshake, send one byte, wait for its echo, then end our side and abort reading (which closes the
// socket). cb(err) once the echo arrived (or the attempt failed).
function roundTrip (ms, cb) {
  ms.client(address, (err, stream) => {
    if (err) return cb(err)
    let sent = false
    let endSink = null // the sink's pending read, answered with `true` (end) once the echo is in
    let finished = false
    stream.sink((abort, read) => {
      if (abort) return read(abort)
      if (!sent) { sent = true; return read(null, Buffer.from([42])) }
      if (finished) return read(true)
      endSink = read
    })
    stream.source(null, (end, data) => {
      finished = true
      if (endSink) { const r = endSink; endSink = null; r(true) }
      stream.source(true, () => {}) // abort: close the connection as the Java bench does (ctx.close())
      if (end) return cb(end === true ? new Error('closed before the echo') : end)
      cb(null)
    })
  })
}

function handshakes () {
  const count = integer(opts.count, 1000, 1, '--count')
  const concurrency = integer(opts.concurrency, 16, 1, '--concurrency')
  const warmup = integer(opts.warmup, 200, 0, '--warmup')
  const ms = client()
  // Warm up one at a time (JIT, key material), as the Java bench does; at least one round trip checks the server.
  let warmed = 0
  roundTrip(ms, function warm (err) {
    if (err) common.fail(1, 'warm-up round trip ' + (warmed + 1) + ' failed: ' + (err.message || err))
    if (++warmed < Math.max(1, warmup)) return roundTrip(ms, warm)
    let started = 0
    let done = 0
    const start = process.hrtime.bigint()
    function next () {
      if (started >= count) return
      started++
      roundTrip(ms, (err) => {
        if (err) common.fail(1, 'round trip ' + (done + 1) + ' failed: ' + (err.message || err))
        if (++done === count) {
          const seconds = Number(process.hrtime.bigint() - start) / 1e9
          print({ kind: 'handshakes', n: count, conc: concurrency, seconds: round(seconds, 3), perSecond: round(count / seconds, 1) })
          process.exit(0)
        }
        next()
      })
    }
    for (let i = 0; i < concurrency; i++) next()
  })
}

// ---- throughput --------------------------------------------------------------------------------------------------

const CHUNK_BUFFER = Buffer.alloc(CHUNK) // never modified, so the same buffer can go out every time

// Echoes `total` bytes through a new connection; cb(seconds) from the established connection to the last byte back.
// After the last chunk the sink's next read is never answered: ending our side over ws would close the socket
// before the echo is back. The connection is aborted once the echo is in.
function echo (ms, total, cb) {
  ms.client(address, (err, stream) => {
    if (err) common.fail(1, 'connect failed: ' + (err.message || err))
    const start = process.hrtime.bigint()
    let written = 0
    let received = 0
    let finished = false
    pull(function source (abort, cb) {
      if (abort) return cb(abort)
      if (written >= total) return
      const n = Math.min(CHUNK, total - written)
      written += n
      cb(null, n === CHUNK ? CHUNK_BUFFER : CHUNK_BUFFER.subarray(0, n))
    }, stream.sink)
    pull(stream.source, pull.drain((data) => {
      received += data.length
      if (received < total) return
      finished = true
      cb(Number(process.hrtime.bigint() - start) / 1e9)
      return false // abort the source: closes this connection
    }, (err) => {
      if (finished) return
      common.fail(1, 'stream ended after ' + received + ' of ' + total + ' echoed bytes' +
        (err && err !== true ? ': ' + (err.message || err) : ''))
    }))
  })
}

function throughput () {
  const mib = integer(opts.mib, 256, 1, '--mib')
  const warmupMib = integer(opts['warmup-mib'], 32, 0, '--warmup-mib')
  const ms = client()
  const measure = () => echo(ms, mib * 1024 * 1024, (seconds) => {
    print({ kind: 'throughput', mib, seconds: round(seconds, 3), mibPerSecond: round(mib / seconds, 1) })
    process.exit(0)
  })
  if (warmupMib > 0) echo(ms, warmupMib * 1024 * 1024, measure)
  else measure()
}
