// @actions/http-client and @actions/github import `fetch` and `ProxyAgent` from the undici package,
// which adds 416 KB (minified) to every bundle. Node 24's global fetch *is* undici, so this stand-in
// delegates to it. Proxies: Node 24 routes its built-in fetch and https through HTTP(S)_PROXY when
// NODE_USE_ENV_PROXY=1 is set for the job, so an explicit dispatcher is not needed; without that
// variable we say so once instead of silently going direct.

let warned = false;

/** Built-in fetch; a `dispatcher` from ProxyAgent below is dropped (the proxy comes from the environment). */
export function fetch(input, init) {
  if (init && 'dispatcher' in init) {
    const { dispatcher: _ignored, ...rest } = init;
    return globalThis.fetch(input, rest);
  }
  return globalThis.fetch(input, init);
}

/** Marks "a proxy is configured"; the real routing is Node's NODE_USE_ENV_PROXY support. */
export class ProxyAgent {
  constructor(options) {
    this.options = options;
    if (!warned && process.env.NODE_USE_ENV_PROXY !== '1') {
      warned = true;
      process.stdout.write(
        '::warning::A proxy is configured (HTTP_PROXY/HTTPS_PROXY) but NODE_USE_ENV_PROXY is not 1: set NODE_USE_ENV_PROXY: 1 in the job env so Node 24 sends GitHub and AWS calls through the proxy.\n',
      );
    }
  }
  close() {
    return Promise.resolve();
  }
  destroy() {
    return Promise.resolve();
  }
}

export class Agent {}
export function setGlobalDispatcher() {}
export function getGlobalDispatcher() {
  return undefined;
}
