// Injected into every module of the bundle by esbuild: the node globals the JS multiserver stack uses.
export { Buffer } from 'buffer'
export { default as process } from 'process'
