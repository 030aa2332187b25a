'use strict'
// Runs the JS multiserver client in a real browser against a ws~shs address, and reports as one JSON line.
//
//   node run.js --address 'ws://127.0.0.1:PORT~shs:KEY' [--bytes N] [--chunk N] [--chromium /usr/bin/chromium]
//               [--timeout MS]
//
// Bundles page.js in memory (build.js), serves it on 127.0.0.1 (a free port), starts Chromium headless through
// playwright-core, opens the page, waits for secret-handshake's switch to libsodium, and lets the page connect to
// the address, send N bytes (default 1 MiB), read the echo, compare and close. stdout gets one JSON object:
//   {"ok":true,"address":"...","remote":"<server key>","sent":N,"received":N,"firstDifference":-1,"millis":M,
//    "crypto":"libsodium","pageOrigin":"http://127.0.0.1:PORT","browser":"<version>"}
// Exit codes: 0 ok, 1 the exchange failed (the JSON says why), 2 setup failed (no Chromium, bundling failed),
// 64 usage.

const http = require('http')
const fs = require('fs')
const { bundle } = require('./build')

const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
  '--disable-dev-shm-usage']

function options (argv) {
  const out = { bytes: String(1024 * 1024), chunk: '16384', chromium: '/usr/bin/chromium', timeout: '60000' }
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '')
    if (!argv[i].startsWith('--') || !(name in out || name === 'address') || i + 1 >= argv.length) {
      usage('bad argument ' + argv[i])
    }
    out[name] = argv[++i]
  }
  if (!out.address) usage('--address is required')
  return out
}

function usage (why) {
  process.stderr.write(why + '\nusage: node run.js --address ADDRESS [--bytes N] [--chunk N] [--chromium PATH]' +
    ' [--timeout MS]\n')
  process.exit(64)
}

function emit (report, code) {
  process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(code))
}

async function main () {
  const opts = options(process.argv.slice(2))
  if (!fs.existsSync(opts.chromium)) {
    return emit({ ok: false, error: 'no Chromium at ' + opts.chromium + ' (apt-get install chromium)' }, 2)
  }
  let code
  try {
    code = (await bundle()).code
  } catch (e) {
    return emit({ ok: false, error: 'bundling failed: ' + (e.message || e) }, 2)
  }
  const page = '<!doctype html><meta charset="utf-8"><title>multiserver ws~shs</title>' +
    '<script src="/page.js"></script>'
  const server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(page)
    } else if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      res.end(code)
    } else {
      res.writeHead(req.url === '/favicon.ico' ? 204 : 404)
      res.end()
    }
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const pageOrigin = 'http://127.0.0.1:' + server.address().port

  const { chromium } = require('playwright-core')
  let browser
  try {
    browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: CHROMIUM_FLAGS })
  } catch (e) {
    server.close()
    return emit({ ok: false, error: 'could not start Chromium (' + opts.chromium + '): ' + firstLine(e) }, 2)
  }
  const pageErrors = []
  let report
  try {
    const tab = await browser.newPage()
    tab.on('console', (msg) => process.stderr.write('[page ' + msg.type() + '] ' + msg.text() + '\n'))
    tab.on('pageerror', (e) => pageErrors.push(String(e && e.message ? e.message : e)))
    tab.setDefaultTimeout(Number(opts.timeout))
    await tab.goto(pageOrigin + '/')
    await tab.evaluate(() => window.multiserverReady)
    report = await tab.evaluate((o) => window.multiserverTest(o), {
      address: opts.address, bytes: opts.bytes, chunk: opts.chunk
    })
  } catch (e) {
    report = { ok: false, address: opts.address, error: 'browser run failed: ' + firstLine(e) }
  }
  report.pageOrigin = pageOrigin
  report.browser = browser.version()
  if (pageErrors.length) report.pageErrors = pageErrors
  await browser.close()
  server.close()
  emit(report, report.ok ? 0 : 1)
}

function firstLine (e) {
  return String(e && e.message ? e.message : e).split('\n')[0]
}

main().catch((e) => emit({ ok: false, error: 'runner failed: ' + (e && e.stack ? e.stack : e) }, 2))
