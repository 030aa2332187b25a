// os in the browser bundle: multiserver-scopes calls networkInterfaces() when it loads. A page has no interfaces.
module.exports = {
  networkInterfaces: function () { return {} },
  hostname: function () { return 'browser' },
  platform: function () { return 'browser' },
  EOL: '\n'
}
