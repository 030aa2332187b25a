'use strict'
// A JS multiserver client on <transport>~shs.
//
//   node client.js ADDRESS [--transport net|ws] [--app-key B64] [--seed B64] [--bytes N] [--chunk N]
//                          [--stdio] [--timeout MS]
//
// ADDRESS is a multiserver address such as net:127.0.0.1:8008~shs:KEY or, with an invite seed,
// net:127.0.0.1:8008~shs:KEY:SEED. --seed is our own long-term key seed (default: random).
//
// --bytes N (default mode): sends N bytes of the shared test pattern in writes of --chunk bytes (default 4099, odd
// on purpose), ends its side, and expects the same N bytes back followed by the peer's goodbye. Prints
//   {"event":"connected","remote":"<server key>","address":"..."} then {"event":"done","sent":N,"received":N}.
// It ends its side right after its last write, as JS peers do; over ws, which cannot half-close, that closes the
// socket (see ws-client.js for a client that waits for the echo first).
// --stdio: pipes stdin to the peer and the peer to stdout, ending each side cleanly.
//
// Exit codes: 0 ok, 2 connect or handshake failed, 3 echo differs, 4 the stream failed after the handshake,
// 64 usage.

const pull = require('pull-stream')
const common = require('./common')

const opts = common.options(process.argv.slice(2), {
  transport: 'value', 'app-key': 'value', seed: 'value', bytes: 'value', chunk: 'value', stdio: 'flag',
  timeout: 'value'
})
const address = opts._[0]
if (!address) common.fail(64, 'usage: node client.js ADDRESS [options]')

const ms = common.stack({
  transport: opts.transport || address.split(':')[0],
  keys: common.keys(opts.seed),
  appKey: opts['app-key'],
  timeout: opts.timeout
})

ms.client(address, (err, stream) => {
  if (err) common.fail(2, 'handshake failed: ' + err.message)
  common.event(opts.stdio ? process.stderr : process.stdout, 'connected',
    { remote: stream.remote.toString('base64'), address: stream.address })
  if (opts.stdio) stdio(stream)
  else echoCheck(stream)
})

function echoCheck (stream) {
  const total = Number(opts.bytes || 1024 * 1024)
  const chunk = Number(opts.chunk || 4099)
  let sent = 0
  let received = 0

  // Generated as the sink asks, so several MiB never sit in memory at once.
  function source (abort, cb) {
    if (abort) return cb(abort)
    if (sent >= total) return cb(true)
    const length = Math.min(chunk, total - sent)
    const data = common.testBytes(sent, length)
    sent += length
    cb(null, data)
  }

  pull(source, stream.sink)
  pull(
    stream.source,
    pull.drain((data) => {
      for (let i = 0; i < data.length; i++) {
        if (data[i] !== common.testByte(received + i)) {
          common.fail(3, 'echo differs at byte ' + (received + i) + ': got ' + data[i] + ', expected ' +
            common.testByte(received + i))
        }
      }
      received += data.length
    }, (err) => {
      if (err && err !== true) common.fail(4, 'stream failed after ' + received + ' bytes: ' + (err.message || err))
      if (received !== total) common.fail(3, 'echo ended after ' + received + ' of ' + total + ' bytes')
      common.event(process.stdout, 'done', { sent, received })
      process.exit(0)
    })
  )
}

function stdio (stream) {
  const toPull = require('stream-to-pull-stream')
  pull(toPull.source(process.stdin), stream.sink)
  pull(stream.source, toPull.sink(process.stdout, (err) => {
    if (err && err !== true) common.fail(4, 'stream failed: ' + (err.message || err))
    process.exit(0)
  }))
}
