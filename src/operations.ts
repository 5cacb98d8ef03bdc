/**
 * The one table of the protocol's operations. The client's methods, the
 * server's router and the conformance tests are all read off it.
 */
import { z } from "zod";
import {
  Agent,
  AgentACPDescriptor,
  AgentSearchRequest,
  ResumePayloadSchema,
  RunCreateStateful,
  RunCreateStateless,
  RunOutputStream,
  RunSearchRequest,
  RunStateful,
  RunStateless,
  RunWaitResponseStateful,
  RunWaitResponseStateless,
  Thread,
  ThreadCreate,
  ThreadPatch,
  ThreadSearchRequest,
  ThreadState,
} from "./models/index.js";

/** The HTTP methods the protocol uses. */
export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

/** How `cancelStatelessRun` and `cancelThreadRun` stop a run. */
export type CancelAction = "interrupt" | "rollback";

/** The parts of a request that a method's positional arguments fill. */
export interface OperationArgs {
  path?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

/**
 * One operation of the protocol.
 *
 * @typeParam A - the function that turns a client method's positional arguments into the request's parts.
 * @typeParam R - the schema of the success answer (of each event, for a stream), or null for a 204.
 */
export interface Operation<
  // biome-ignore lint/suspicious/noExplicitAny: the positional signature varies per operation
  A extends (...args: any[]) => OperationArgs = (...args: any[]) => OperationArgs,
  R extends z.ZodType | null = z.ZodType | null,
> {
  /** The operationId in the specification (snake_case). */
  operationId: string;
  method: HttpMethod;
  /** The path template, with `{name}` placeholders. */
  path: string;
  /** Path parameters, in the order they appear in the path. */
  pathParams: readonly string[];
  /** Query parameters the operation accepts. */
  queryParams: readonly string[];
  /** The schema of the JSON request body, when the operation has one. */
  body: z.ZodType | null;
  /** The schema of the success response (of each event, for a stream); null when empty. */
  response: R;
  /** The status code of success. */
  successStatus: 200 | 204;
  /** True when the success response is a `text/event-stream`. */
  stream: boolean;
  /**
   * For a stream, the operation (by its client method name) that joins it again
   * after a drop: a `GET` stream names itself; a stream that creates a run names
   * the `GET` stream of that run, whose `run_id` the response or an event gives.
   */
  rejoin?: string;
  /**
   * True when the operation waits for a run's output. The spec declares no 204 for
   * them, but a server whose own wait runs out answers 204 (the Python reference
   * server does): from these operations it means "not yet", not success.
   */
  waits: boolean;
  /** Builds the request parts from a client method's positional arguments. */
  args: A;
}

type Def<A extends Operation["args"], R extends z.ZodType | null> = Omit<
  Operation<A, R>,
  "pathParams" | "successStatus" | "stream" | "queryParams" | "body" | "waits"
> & {
  queryParams?: readonly string[];
  body?: z.ZodType;
  stream?: boolean;
  waits?: boolean;
};

function op<A extends Operation["args"], R extends z.ZodType | null>(
  def: Def<A, R>,
): Operation<A, R> {
  const pathParams = [...def.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  return {
    ...def,
    pathParams,
    queryParams: def.queryParams ?? [],
    body: def.body ?? null,
    successStatus: def.response === null ? 204 : 200,
    stream: def.stream ?? false,
    waits: def.waits ?? false,
  };
}

const runPath = (runId: string) => ({ run_id: runId });
const threadPath = (threadId: string) => ({ thread_id: threadId });
const threadRunPath = (threadId: string, runId: string) => ({
  thread_id: threadId,
  run_id: runId,
});

/** Every operation of ACP, keyed by the camelCase name of its client method. */
export const operations = {
  /** Search for agents by name and version. */
  searchAgents: op({
    operationId: "search_agents",
    method: "POST",
    path: "/agents/search",
    body: AgentSearchRequest,
    response: z.array(Agent),
    args: (agentSearchRequest: AgentSearchRequest) => ({ body: agentSearchRequest }),
  }),
  /** Get an agent by its id. */
  getAgentById: op({
    operationId: "get_agent_by_id",
    method: "GET",
    path: "/agents/{agent_id}",
    response: Agent,
    args: (agentId: string) => ({ path: { agent_id: agentId } }),
  }),
  /** Get the ACP descriptor of an agent. */
  getAcpDescriptorById: op({
    operationId: "get_acp_descriptor_by_id",
    method: "GET",
    path: "/agents/{agent_id}/descriptor",
    response: AgentACPDescriptor,
    args: (agentId: string) => ({ path: { agent_id: agentId } }),
  }),

  /** Create a stateless run and return it at once. */
  createStatelessRun: op({
    operationId: "create_stateless_run",
    method: "POST",
    path: "/runs",
    body: RunCreateStateless,
    response: RunStateless,
    args: (runCreateStateless: RunCreateStateless) => ({ body: runCreateStateless }),
  }),
  /** Search stateless runs. */
  searchStatelessRuns: op({
    operationId: "search_stateless_runs",
    method: "POST",
    path: "/runs/search",
    body: RunSearchRequest,
    response: z.array(RunStateless),
    args: (runSearchRequest: RunSearchRequest) => ({ body: runSearchRequest }),
  }),
  /** Create a stateless run and stream its output. */
  createAndStreamStatelessRunOutput: op({
    operationId: "create_and_stream_stateless_run_output",
    method: "POST",
    path: "/runs/stream",
    body: RunCreateStateless,
    response: RunOutputStream,
    stream: true,
    rejoin: "streamStatelessRunOutput",
    args: (runCreateStateless: RunCreateStateless) => ({ body: runCreateStateless }),
  }),
  /** Create a stateless run and wait for its output. */
  createAndWaitForStatelessRunOutput: op({
    operationId: "create_and_wait_for_stateless_run_output",
    method: "POST",
    path: "/runs/wait",
    waits: true,
    body: RunCreateStateless,
    response: RunWaitResponseStateless,
    args: (runCreateStateless: RunCreateStateless) => ({ body: runCreateStateless }),
  }),
  /** Wait for the output of a stateless run. */
  waitForStatelessRunOutput: op({
    operationId: "wait_for_stateless_run_output",
    method: "GET",
    path: "/runs/{run_id}/wait",
    waits: true,
    response: RunWaitResponseStateless,
    args: (runId: string) => ({ path: runPath(runId) }),
  }),
  /** Get a stateless run. */
  getStatelessRun: op({
    operationId: "get_stateless_run",
    method: "GET",
    path: "/runs/{run_id}",
    response: RunStateless,
    args: (runId: string) => ({ path: runPath(runId) }),
  }),
  /** Resume an interrupted stateless run with the payload its interrupt asks for. */
  resumeStatelessRun: op({
    operationId: "resume_stateless_run",
    method: "POST",
    path: "/runs/{run_id}",
    body: ResumePayloadSchema,
    response: RunStateless,
    args: (runId: string, body: ResumePayloadSchema) => ({ path: runPath(runId), body }),
  }),
  /** Delete a stateless run. */
  deleteStatelessRun: op({
    operationId: "delete_stateless_run",
    method: "DELETE",
    path: "/runs/{run_id}",
    response: null,
    args: (runId: string) => ({ path: runPath(runId) }),
  }),
  /** Join the output stream of a stateless run. */
  streamStatelessRunOutput: op({
    operationId: "stream_stateless_run_output",
    method: "GET",
    path: "/runs/{run_id}/stream",
    response: RunOutputStream,
    stream: true,
    rejoin: "streamStatelessRunOutput",
    args: (runId: string) => ({ path: runPath(runId) }),
  }),
  /** Cancel a stateless run. */
  cancelStatelessRun: op({
    operationId: "cancel_stateless_run",
    method: "POST",
    path: "/runs/{run_id}/cancel",
    queryParams: ["wait", "action"],
    response: null,
    args: (runId: string, wait?: boolean, action?: CancelAction) => ({
      path: runPath(runId),
      query: { wait, action },
    }),
  }),

  /** Create a thread. */
  createThread: op({
    operationId: "create_thread",
    method: "POST",
    path: "/threads",
    body: ThreadCreate,
    response: Thread,
    args: (threadCreate: ThreadCreate) => ({ body: threadCreate }),
  }),
  /** Search threads. */
  searchThreads: op({
    operationId: "search_threads",
    method: "POST",
    path: "/threads/search",
    body: ThreadSearchRequest,
    response: z.array(Thread),
    args: (threadSearchRequest: ThreadSearchRequest) => ({ body: threadSearchRequest }),
  }),
  /** Get the states a thread went through, newest first. */
  getThreadHistory: op({
    operationId: "get_thread_history",
    method: "GET",
    path: "/threads/{thread_id}/history",
    queryParams: ["limit", "before"],
    response: z.array(ThreadState),
    args: (threadId: string, limit?: number, before?: string) => ({
      path: threadPath(threadId),
      query: { limit, before },
    }),
  }),
  /** Copy a thread with its state and history. */
  copyThread: op({
    operationId: "copy_thread",
    method: "POST",
    path: "/threads/{thread_id}/copy",
    response: Thread,
    args: (threadId: string) => ({ path: threadPath(threadId) }),
  }),
  /** Get a thread. */
  getThread: op({
    operationId: "get_thread",
    method: "GET",
    path: "/threads/{thread_id}",
    response: Thread,
    args: (threadId: string) => ({ path: threadPath(threadId) }),
  }),
  /** Delete a thread. */
  deleteThread: op({
    operationId: "delete_thread",
    method: "DELETE",
    path: "/threads/{thread_id}",
    response: null,
    args: (threadId: string) => ({ path: threadPath(threadId) }),
  }),
  /** Update a thread's metadata, values or checkpoint. */
  patchThread: op({
    operationId: "patch_thread",
    method: "PATCH",
    path: "/threads/{thread_id}",
    body: ThreadPatch,
    response: Thread,
    args: (threadId: string, threadPatch: ThreadPatch) => ({
      path: threadPath(threadId),
      body: threadPatch,
    }),
  }),

  /** List the runs of a thread. */
  listThreadRuns: op({
    operationId: "list_thread_runs",
    method: "GET",
    path: "/threads/{thread_id}/runs",
    queryParams: ["limit", "offset"],
    response: z.array(RunStateful),
    args: (threadId: string, limit?: number, offset?: number) => ({
      path: threadPath(threadId),
      query: { limit, offset },
    }),
  }),
  /** Create a run on a thread and return it at once. */
  createThreadRun: op({
    operationId: "create_thread_run",
    method: "POST",
    path: "/threads/{thread_id}/runs",
    body: RunCreateStateful,
    response: RunStateful,
    args: (threadId: string, runCreateStateful: RunCreateStateful) => ({
      path: threadPath(threadId),
      body: runCreateStateful,
    }),
  }),
  /** Create a run on a thread and stream its output. */
  createAndStreamThreadRunOutput: op({
    operationId: "create_and_stream_thread_run_output",
    method: "POST",
    path: "/threads/{thread_id}/runs/stream",
    body: RunCreateStateful,
    response: RunOutputStream,
    stream: true,
    rejoin: "streamThreadRunOutput",
    args: (threadId: string, runCreateStateful: RunCreateStateful) => ({
      path: threadPath(threadId),
      body: runCreateStateful,
    }),
  }),
  /** Create a run on a thread and wait for its output. */
  createAndWaitForThreadRunOutput: op({
    operationId: "create_and_wait_for_thread_run_output",
    method: "POST",
    path: "/threads/{thread_id}/runs/wait",
    waits: true,
    body: RunCreateStateful,
    response: RunWaitResponseStateful,
    args: (threadId: string, runCreateStateful: RunCreateStateful) => ({
      path: threadPath(threadId),
      body: runCreateStateful,
    }),
  }),
  /** Wait for the output of a run on a thread. */
  waitForThreadRunOutput: op({
    operationId: "wait_for_thread_run_output",
    method: "GET",
    path: "/threads/{thread_id}/runs/{run_id}/wait",
    waits: true,
    response: RunWaitResponseStateful,
    args: (threadId: string, runId: string) => ({ path: threadRunPath(threadId, runId) }),
  }),
  /** Get a run of a thread. */
  getThreadRun: op({
    operationId: "get_thread_run",
    method: "GET",
    path: "/threads/{thread_id}/runs/{run_id}",
    response: RunStateful,
    args: (threadId: string, runId: string) => ({ path: threadRunPath(threadId, runId) }),
  }),
  /** Resume an interrupted run of a thread with the payload its interrupt asks for. */
  resumeThreadRun: op({
    operationId: "resume_thread_run",
    method: "POST",
    path: "/threads/{thread_id}/runs/{run_id}",
    body: ResumePayloadSchema,
    response: RunStateful,
    args: (threadId: string, runId: string, body: ResumePayloadSchema) => ({
      path: threadRunPath(threadId, runId),
      body,
    }),
  }),
  /** Delete a run of a thread. */
  deleteThreadRun: op({
    operationId: "delete_thread_run",
    method: "DELETE",
    path: "/threads/{thread_id}/runs/{run_id}",
    response: null,
    args: (threadId: string, runId: string) => ({ path: threadRunPath(threadId, runId) }),
  }),
  /** Join the output stream of a run of a thread. */
  streamThreadRunOutput: op({
    operationId: "stream_thread_run_output",
    method: "GET",
    path: "/threads/{thread_id}/runs/{run_id}/stream",
    response: RunOutputStream,
    stream: true,
    rejoin: "streamThreadRunOutput",
    args: (threadId: string, runId: string) => ({ path: threadRunPath(threadId, runId) }),
  }),
  /** Cancel a run of a thread. */
  cancelThreadRun: op({
    operationId: "cancel_thread_run",
    method: "POST",
    path: "/threads/{thread_id}/runs/{run_id}/cancel",
    queryParams: ["wait", "action"],
    response: null,
    args: (threadId: string, runId: string, wait?: boolean, action?: CancelAction) => ({
      path: threadRunPath(threadId, runId),
      query: { wait, action },
    }),
  }),
} as const;

/** The table's type. */
export type Operations = typeof operations;
/** The camelCase name of an operation. */
export type OperationName = keyof Operations;
