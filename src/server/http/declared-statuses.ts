import type { OperationName } from "../../operations.js";

/** The error statuses an operation of the spec can answer with. */
export type DeclaredError = 404 | 409 | 422;

/**
 * The error statuses the spec declares for each operation (its `responses` besides
 * the success one). The server answers only these, plus 401 (no or a wrong API key,
 * a scheme the spec leaves to the deployment), 413 (a body over the limit, refused
 * before an operation is chosen) and 503 (it is shutting down, its store is full, or
 * its store cannot be reached, then with `Retry-After`: the spec declares nothing for
 * a server that cannot serve now); `error-status.ts` picks among them, and a
 * conformance test holds this table to the spec.
 */
export const declaredErrors: { readonly [N in OperationName]: readonly DeclaredError[] } = {
  searchAgents: [422],
  getAgentById: [404],
  getAcpDescriptorById: [404, 422],
  createStatelessRun: [404, 409, 422],
  searchStatelessRuns: [422],
  createAndStreamStatelessRunOutput: [404, 409, 422],
  createAndWaitForStatelessRunOutput: [404, 409, 422],
  waitForStatelessRunOutput: [404, 422],
  getStatelessRun: [404, 422],
  resumeStatelessRun: [404, 409, 422],
  deleteStatelessRun: [404, 422],
  streamStatelessRunOutput: [404, 422],
  cancelStatelessRun: [404, 422],
  createThread: [409, 422],
  searchThreads: [422],
  getThreadHistory: [404, 422],
  copyThread: [404, 422],
  getThread: [404, 422],
  deleteThread: [404, 422],
  patchThread: [404, 422],
  listThreadRuns: [404, 422],
  createThreadRun: [404, 409, 422],
  createAndStreamThreadRunOutput: [404, 409, 422],
  createAndWaitForThreadRunOutput: [404, 409, 422],
  waitForThreadRunOutput: [404, 422],
  getThreadRun: [404, 422],
  resumeThreadRun: [404, 409, 422],
  deleteThreadRun: [404, 422],
  streamThreadRunOutput: [404, 422],
  cancelThreadRun: [404, 422],
};
