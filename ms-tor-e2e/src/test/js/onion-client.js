'use strict'
// A JS multiserver client on onion~shs (multiserver 3.8.2's own onion plugin), for OnionOverPrivateTorTest.
// Modules come from interop/js/node_modules (NODE_PATH).
//
//   node onion-client.js ADDRESS SOCKS_PORT BYTES
//
// The onion plugin of multiserver 3.8.2 takes no proxy option: it always dials tor's SOCKS port at 127.0.0.1:9050
// and then Tor Browser's at 127.0.0.1:9150. To point it at the private network's client tor without taking port
// 9050 on the machine, this script redirects every proxy request the plugin makes (through the `socks` package it
// requires, the same module instance) to 127.0.0.1:SOCKS_PORT; everything else is the plugin's own code.
//
// It sends BYTES bytes of (i % 251), reads them all back, and only then ends its side: a tor stream cannot
// half-close (tor ends the whole stream when one side ends), so ending first would cut the echo short.
// Prints one JSON object a line: {"event":"connected",...} then {"event":"done","received":N,"proxied":K}.
// Exit codes: 2 connect or handshake failed, 3 echo differs, 4 the stream failed, 64 usage.

const crypto = require('crypto')
const pull = require('pull-stream')
const { SocksClient } = require('socks')
const MultiServer = require('multiserver')
const Onion = require('multiserver/plugins/onion')
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

const [address, socksPort, count] = process.argv.slice(2)
if (!address || !Number(socksPort) || !Number(count)) fail(64, 'usage: node onion-client.js ADDRESS SOCKS_PORT BYTES')

let proxied = 0
const createConnection = SocksClient.createConnection
SocksClient.createConnection = function (options, callback) {
  proxied++
  const proxy = Object.assign({}, options.proxy, { ipaddress: '127.0.0.1', port: Number(socksPort) })
  return createConnection.call(this, Object.assign({}, options, { proxy }), callback)
}

const ms = MultiServer([[
  Onion({}),
  Shs({ keys: SecretHandshake.toKeys(crypto.randomBytes(32)), appKey: SSB_APP_KEY, auth: (pub, cb) => cb(null, true) })
]])

const total = Number(count)
ms.client(address, (err, stream) => {
  if (err) fail(2, 'connect failed: ' + err.message)
  event('connected', { address: stream.address, remote: stream.remote.toString('base64') })
  let sent = 0
  let received = 0
  let echoed
  const allEchoed = new Promise((resolve) => { echoed = resolve })
  pull(
    function source (abort, cb) {
      if (abort) return cb(abort)
      if (sent < total) {
        const length = Math.min(65536, total - sent)
        const piece = Buffer.alloc(length)
        for (let i = 0; i < length; i++) piece[i] = (sent + i) % 251
        sent += length
        return cb(null, piece)
      }
      allEchoed.then(() => cb(true)) // end our side only now (no half-close over tor)
    },
    stream.sink
  )
  pull(stream.source, pull.drain((chunk) => {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== (received + i) % 251) fail(3, 'echo differs at byte ' + (received + i))
    }
    received += chunk.length
    if (received > total) fail(3, 'echo longer than sent: ' + received + ' of ' + total + ' bytes')
    if (received === total) {
      event('done', { received, proxied })
      echoed()
    }
  }, (err) => {
    if (received !== total) {
      const why = err && err !== true ? ': ' + (err.message || err) : ''
      fail(4, 'stream ended after ' + received + ' of ' + total + ' bytes' + why)
    }
    process.exit(0)
  }))
})
