'use strict'
// A JS multiserver echo server on unix~shs, with multiserver's own unix-socket plugin (a socket called "socket" in
// a fresh directory under the system's temporary folder, as the plugin chooses).
//
//   node unix-echo-server.js [--app-key B64] [--seed B64]
//
// stdout, one JSON object a line: {"event":"listening","address":"unix:/tmp/multiserver-XXXX/socket~shs:KEY"},
// then {"event":"connection","remote":"<client key>","address":"..."} for each client. Every byte is echoed as it
// came, and our side ends after the client's. Runs until SIGTERM, then removes its socket and folder; exit code 70
// if it cannot listen.

const fs = require('fs')
const path = require('path')
const pull = require('pull-stream')
const MultiServer = require('multiserver')
const Unix = require('multiserver/plugins/unix-socket')
const Shs = require('multiserver/plugins/shs')
const common = require('./common')

const opts = common.options(process.argv.slice(2), { 'app-key': 'value', seed: 'value' })
const shs = Shs({
  keys: common.keys(opts.seed),
  appKey: opts['app-key'] || common.SSB_APP_KEY,
  auth: (pub, cb) => cb(null, true)
})
const ms = MultiServer([[Unix({ server: true }), shs]])

const close = ms.server((stream) => {
  common.event(process.stdout, 'connection', { remote: stream.remote.toString('base64'), address: stream.address })
  pull(stream, stream)
}, (err) => {
  common.event(process.stdout, 'handshake-error', { message: String(err && err.message) })
}, (err) => {
  if (err) common.fail(70, 'could not listen: ' + err.message)
  common.event(process.stdout, 'listening', { address: ms.stringify('device') })
})

// The plugin leaves its folder behind; a test run should not.
process.on('SIGTERM', () => {
  close()
  const socket = ms.stringify('device').split('~')[0].slice('unix:'.length)
  fs.rmSync(path.dirname(socket), { recursive: true, force: true })
  process.exit(0)
})
