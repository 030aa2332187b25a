'use strict'
// A JS multiserver peer on unix~shs (multiserver 3.8.2's own unix-socket plugin), for MultiServerUnixJsTest.
// Modules come from interop/js/node_modules (NODE_PATH).
//
//   node unix-peer.js server DIR       serves DIR/socket (the JS plugin's layout), echoes every connection;
//                                      prints {"event":"listening","address":"unix:DIR/socket~shs:KEY"}
//   node unix-peer.js client ADDRESS N sends N bytes of (i % 251), ends its side, expects them back, then prints
//                                      {"event":"done","received":N}
// One JSON object a line on stdout; failures go to stderr with exit code 2 (connect), 3 (echo differs).

const crypto = require('crypto')
const pull = require('pull-stream')
const MultiServer = require('multiserver')
const Unix = require('multiserver/plugins/unix-socket')
const Shs = require('multiserver/plugins/shs')
const SecretHandshake = require('secret-handshake')

const SSB_APP_KEY = '1KHLiKZvAvjbY1ziZEHMXawbCEIM6qwjCDm3VYRan/s='

function event (name, fields) {
  process.stdout.write(JSON.stringify(Object.assign({ event: name }, fields)) + '\n')
}

function fail (code, message) {
  process.stderr.write(message + '\n')
  process.exit(code)
}

const [mode, arg, count] = process.argv.slice(2)
const shs = Shs({
  keys: SecretHandshake.toKeys(crypto.randomBytes(32)),
  appKey: SSB_APP_KEY,
  auth: (pub, cb) => cb(null, true)
})
// allowHalfOpen goes to net.createServer: without it Node ends its side when ours ends, cutting the echo short.
// The plugin's path is the server's directory; a client needs none, but the plugin makes a temp dir without one.
const ms = MultiServer([[Unix({ path: mode === 'server' ? arg : '/nonexistent', scope: 'device', allowHalfOpen: true }), shs]])

if (mode === 'server') {
  ms.server((stream) => pull(stream, stream), (err) => {
    process.stderr.write('handshake failed: ' + (err && err.message) + '\n')
  }, (err) => {
    if (err) fail(2, 'could not listen: ' + err.message)
    event('listening', { address: ms.stringify('device') })
  })
} else if (mode === 'client') {
  const total = Number(count)
  ms.client(arg, (err, stream) => {
    if (err) fail(2, 'connect failed: ' + err.message)
    let received = 0
    const data = Buffer.alloc(total)
    for (let i = 0; i < total; i++) data[i] = i % 251
    pull(pull.values([data]), stream.sink)
    pull(stream.source, pull.drain((chunk) => {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== (received + i) % 251) fail(3, 'echo differs at byte ' + (received + i))
      }
      received += chunk.length
    }, (err) => {
      if (err && err !== true) fail(3, 'stream failed after ' + received + ' of ' + total + ' bytes: ' + (err.message || err))
      event('done', { received })
      process.exit(0)
    }))
  })
} else {
  fail(64, 'usage: node unix-peer.js server DIR | client ADDRESS BYTES')
}
