'use strict'
// A JS multiserver echo server on <transport>~shs.
//
//   node echo-server.js [--transport net|ws] [--host 127.0.0.1] [--app-key B64] [--seed B64] [--deny]
//                       [--timeout MS] [--no-half-open]
//
// stdout, one JSON object a line; the first line is always the address:
//   {"event":"listening","address":"net:127.0.0.1:PORT~shs:KEY"}
//   {"event":"connection","remote":"<base64 key of the client>","address":"..."}
//   {"event":"end","remote":"...","bytes":N}          the client said goodbye; we echoed N bytes and said goodbye
//   {"event":"stream-error","remote":"...","message":"...","bytes":N}
//   {"event":"handshake-error","message":"..."}       secret-handshake's own wording, for the phase
// --deny makes the authorize callback refuse every client. Runs until killed.

const pull = require('pull-stream')
const common = require('./common')

const opts = common.options(process.argv.slice(2), {
  transport: 'value', host: 'value', 'app-key': 'value', seed: 'value', deny: 'flag', timeout: 'value',
  'no-half-open': 'flag'
})
const out = process.stdout

function start (attempt) {
  const host = opts.host || '127.0.0.1'
  common.freePort(host, (err, port) => {
    if (err) common.fail(70, 'no free port: ' + err.message)
    const ms = common.stack({
      transport: opts.transport,
      host,
      port,
      keys: common.keys(opts.seed),
      appKey: opts['app-key'],
      timeout: opts.timeout,
      // Without allowHalfOpen Node ends its side as soon as the peer's FIN arrives, which can cut the echo short.
      allowHalfOpen: !opts['no-half-open'],
      auth: (pub, cb) => cb(null, !opts.deny)
    })
    ms.server(onConnection, (err) => {
      common.event(out, 'handshake-error', { message: String(err && err.message) })
    }, (err) => {
      if (err) {
        if (err.code === 'EADDRINUSE' && attempt < 5) return start(attempt + 1)
        common.fail(70, 'could not listen: ' + err.message)
      }
      common.event(out, 'listening', { address: ms.stringify('device') })
    })
  })
}

function onConnection (stream) {
  const remote = stream.remote.toString('base64')
  common.event(out, 'connection', { remote, address: stream.address })
  let bytes = 0
  pull(
    stream.source,
    pull.through((data) => { bytes += data.length }, (err) => {
      if (err && err !== true) common.event(out, 'stream-error', { remote, message: String(err.message || err), bytes })
      else common.event(out, 'end', { remote, bytes })
    }),
    stream.sink
  )
}

start(0)
