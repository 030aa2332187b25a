'use strict'
// The test page: the real JS multiserver client with its ws and shs plugins, bundled for the browser.
//
// window.multiserverTest({ address, bytes, chunk, appKey }) connects to a ws~shs address, sends `bytes` random bytes
// in writes of `chunk`, reads the same number back, compares, closes, and resolves with a report:
//   { ok, address, remote, sent, received, firstDifference, millis, crypto, error }
// It never rejects: failures are reports with ok: false and the error.

const MultiServer = require('multiserver')
const WS = require('multiserver/plugins/ws')
const Shs = require('multiserver/plugins/shs')
const SecretHandshake = require('secret-handshake')
const pull = require('pull-stream')
// secret-handshake's crypto in a browser: chloride -> sodium-browserify, which starts on tweetnacl and switches to
// libsodium (wasm) once that has loaded; the switch is announced on this emitter.
const sodium = require('chloride')

const SSB_APP_KEY = '1KHLiKZvAvjbY1ziZEHMXawbCEIM6qwjCDm3VYRan/s='

let wasmLoaded = false
const wasmReady = new Promise((resolve) => {
  sodium.events.once('sodium-browserify:wasm loaded', () => {
    wasmLoaded = true
    resolve()
  })
})

function randomBytes (n) {
  const out = Buffer.alloc(n)
  for (let i = 0; i < n; i += 65536) {
    crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)))
  }
  return out
}

function run (opts) {
  const total = Number(opts.bytes)
  const chunk = Number(opts.chunk || 16384)
  const data = randomBytes(total)
  const started = performance.now()
  const keys = SecretHandshake.toKeys(randomBytes(32))
  const ms = MultiServer([[WS({}), Shs({ keys, appKey: opts.appKey || SSB_APP_KEY, timeout: 30000 })]])
  return new Promise((resolve) => {
    const report = (fields) => resolve(Object.assign({
      address: opts.address,
      sent: 0,
      received: 0,
      millis: Math.round(performance.now() - started),
      crypto: wasmLoaded ? 'libsodium' : 'tweetnacl'
    }, fields))
    ms.client(opts.address, (err, stream) => {
      if (err) return report({ ok: false, error: 'connect failed: ' + (err.message || String(err)) })
      const remote = stream.remote.toString('base64')
      let sent = 0
      let received = 0
      let firstDifference = -1
      let finished = false
      const finish = (fields) => {
        if (finished) return
        finished = true
        report(Object.assign({ remote, sent, received, firstDifference }, fields))
      }
      // The sink ends (and the WebSocket closes) only after the whole echo came back: a browser drops what
      // arrives after it closed its side.
      let release
      const echoed = new Promise((resolve) => { release = resolve })
      let offset = 0
      pull(
        function source (abort, cb) {
          if (abort) return cb(abort)
          if (offset < total) {
            const n = Math.min(chunk, total - offset)
            const piece = data.subarray(offset, offset + n)
            offset += n
            sent += n
            return cb(null, piece)
          }
          echoed.then(() => cb(true))
        },
        stream.sink
      )
      pull(
        stream.source,
        pull.drain((piece) => {
          if (firstDifference < 0) {
            for (let i = 0; i < piece.length; i++) {
              if (received + i >= total || piece[i] !== data[received + i]) {
                firstDifference = received + i
                break
              }
            }
          }
          received += piece.length
          if (received >= total) {
            finish({ ok: received === total && firstDifference < 0 })
            release()
          }
        }, (err) => {
          const error = err && err !== true ? (err.message || String(err)) : null
          finish({ ok: false, error: 'the stream ended after ' + received + ' of ' + total + ' bytes' +
            (error ? ': ' + error : '') })
          release()
        })
      )
    })
  })
}

window.multiserverTest = async function (opts) {
  try {
    await wasmReady
    return await run(opts)
  } catch (e) {
    return { ok: false, address: opts.address, error: 'page error: ' + (e && e.stack ? e.stack : String(e)) }
  }
}
window.multiserverReady = wasmReady.then(() => true)
