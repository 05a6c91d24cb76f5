export declare function fetch(
  input: string | URL | Request,
  init?: RequestInit & { dispatcher?: unknown },
): Promise<Response>;
export declare class ProxyAgent {
  constructor(options: { uri: string; [key: string]: unknown });
  close(): Promise<void>;
  destroy(): Promise<void>;
}
export declare class Agent {}
export declare function setGlobalDispatcher(dispatcher: unknown): void;
export declare function getGlobalDispatcher(): unknown;
