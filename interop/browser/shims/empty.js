// http, https and fs in the browser bundle: the ws plugin requires them for its server side, which a page never
// runs (pull-websocket has no createServer in the browser).
module.exports = {}
