'use strict'
// The cost of one libsodium call each, from node through sodium-native (the library the JS peer's secret-handshake
// and box-stream use, by way of chloride): the counterpart of ms-benchmarks' sodium.PrimitivesBenchmark, with the
// same inputs (a 4096-byte box-stream body, an 18-byte header, a 160-byte signed message).
//
//   node primitives.js [--seconds S]
//
// Prints one JSON line: {"impl":"js","kind":"primitives","library":"sodium-native X (libsodium Y)","us":{NAME:µs,...}}
// Each call runs for S seconds (default 1) after as long a warm-up; µs per call is wall time on an idle core.

const sodium = require('sodium-native')
const common = require('./common')

const opts = common.options(process.argv.slice(2), { seconds: 'value' })
const seconds = Number(opts.seconds || 1)
if (!(seconds > 0)) common.fail(64, '--seconds must be a positive number, got ' + opts.seconds)

function filled (size) {
  const buf = Buffer.alloc(size)
  for (let i = 0; i < size; i++) buf[i] = (i * 7 + Math.floor(i / 251)) & 0xff
  return buf
}

const key = filled(32)
const nonce = filled(24)
const body = filled(4096)
const bodyBox = Buffer.alloc(4096)
const mac = Buffer.alloc(sodium.crypto_secretbox_MACBYTES)
const header = filled(18)
const headerBox = Buffer.alloc(18 + sodium.crypto_secretbox_MACBYTES)
const opened = Buffer.alloc(4096)
const scalar = Buffer.alloc(32)
sodium.randombytes_buf(scalar)
const point = Buffer.alloc(32)
sodium.crypto_scalarmult_base(point, scalar)
const shared = Buffer.alloc(32)
const edPublic = Buffer.alloc(32)
const edSecret = Buffer.alloc(64)
sodium.crypto_sign_keypair(edPublic, edSecret)
const message = Buffer.alloc(160)
sodium.randombytes_buf(message)
const signature = Buffer.alloc(64)
sodium.crypto_sign_detached(signature, message, edSecret)
const curve = Buffer.alloc(32)
const boxPublic = Buffer.alloc(32)
const boxSecret = Buffer.alloc(32)
sodium.crypto_secretbox_detached(bodyBox, mac, body, nonce, key)
sodium.crypto_secretbox_easy(headerBox, header, nonce, key)

// The names are PrimitivesBenchmark's methods, so compare.sh can put both columns side by side.
const calls = {
  secretboxDetached4096: () => sodium.crypto_secretbox_detached(opened, mac, body, nonce, key),
  secretboxOpenDetached4096: () => {
    if (!sodium.crypto_secretbox_open_detached(opened, bodyBox, mac, nonce, key)) throw new Error('open failed')
  },
  secretboxEasy18: () => sodium.crypto_secretbox_easy(headerBox, header, nonce, key),
  secretboxOpenEasy18: () => {
    if (!sodium.crypto_secretbox_open_easy(opened.subarray(0, 18), headerBox, nonce, key)) throw new Error('open failed')
  },
  scalarmult: () => sodium.crypto_scalarmult(shared, scalar, point),
  boxKeypair: () => sodium.crypto_box_keypair(boxPublic, boxSecret),
  sign: () => sodium.crypto_sign_detached(signature, message, edSecret),
  verify: () => {
    if (!sodium.crypto_sign_verify_detached(signature, message, edPublic)) throw new Error('verify failed')
  },
  pkToCurve25519: () => sodium.crypto_sign_ed25519_pk_to_curve25519(curve, edPublic)
}

// Calls in batches of `batch` until `budget` ns have passed; returns ns per call.
function time (fn, budget) {
  let batch = 16
  let n = 0
  const start = process.hrtime.bigint()
  let elapsed = 0n
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) fn()
    n += batch
    elapsed = process.hrtime.bigint() - start
    if (batch < 4096) batch *= 2
  }
  return Number(elapsed) / n
}

const budget = BigInt(Math.round(seconds * 1e9))
const us = {}
for (const [name, fn] of Object.entries(calls)) {
  time(fn, budget) // warm-up
  us[name] = Math.round(time(fn, budget) / 10) / 100
}
const version = require('sodium-native/package.json').version
const library = 'sodium-native ' + version + (sodium.sodium_version_string ? ' (libsodium ' + sodium.sodium_version_string() + ')' : '')
process.stdout.write(JSON.stringify({ impl: 'js', kind: 'primitives', library, us }) + '\n')
