'use strict'
// A JS multiserver client on ws~shs that waits for the whole echo before it ends its side.
//
//   node ws-client.js ADDRESS [--app-key B64] [--seed B64] [--bytes N] [--chunk N] [--timeout MS]
//
// Why not client.js: over WebSockets there is no half-close. When a JS peer ends its write side, pull-websocket
// closes the WebSocket, and the server answers the close frame at once (the JS ws server does, and so does the Java
// one), so whatever echo was still on its way is lost. This client sends N bytes of the shared test pattern
// (common.testBytes) in writes of --chunk bytes (default 4099), reads N bytes back, and only then ends its side:
// shs sends its goodbye and the WebSocket closes. Prints, one JSON object a line:
//   {"event":"connected","remote":"<server key>","address":"..."}
//   {"event":"done","sent":N,"received":N}
// Exit codes: 0 ok, 2 connect or handshake failed, 3 echo differs or came short, 4 the stream failed, 64 usage.

const pull = require('pull-stream')
const common = require('./common')

const opts = common.options(process.argv.slice(2), {
  'app-key': 'value', seed: 'value', bytes: 'value', chunk: 'value', timeout: 'value'
})
const address = opts._[0]
if (!address) common.fail(64, 'usage: node ws-client.js ADDRESS [options]')

const ms = common.stack({ transport: 'ws', keys: common.keys(opts.seed), appKey: opts['app-key'], timeout: opts.timeout })

ms.client(address, (err, stream) => {
  if (err) common.fail(2, 'handshake failed: ' + err.message)
  common.event(process.stdout, 'connected', { remote: stream.remote.toString('base64'), address: stream.address })
  const total = Number(opts.bytes || 1024 * 1024)
  const chunk = Number(opts.chunk || 4099)
  let sent = 0
  let received = 0
  let echoed
  const allEchoed = new Promise((resolve) => { echoed = resolve })
  pull(
    function source (abort, cb) {
      if (abort) return cb(abort)
      if (sent < total) {
        const length = Math.min(chunk, total - sent)
        const piece = common.testBytes(sent, length)
        sent += length
        return cb(null, piece)
      }
      allEchoed.then(() => cb(true)) // end our side only now: shs goodbye, then the WebSocket closes
    },
    stream.sink
  )
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
      if (received > total) common.fail(3, 'echo longer than sent: ' + received + ' of ' + total + ' bytes')
      if (received === total) echoed()
    }, (err) => {
      if (err && err !== true) common.fail(4, 'stream failed after ' + received + ' bytes: ' + (err.message || err))
      if (received !== total) common.fail(3, 'echo ended after ' + received + ' of ' + total + ' bytes')
      common.event(process.stdout, 'done', { sent, received })
      process.exit(0)
    })
  )
})
