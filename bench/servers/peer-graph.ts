/** The echo graph as a module `@langchain/langgraph-api` loads by path (`file:graph`). */
import { echoGraph } from "./echo-agent.js";

/** The compiled echo graph, without a checkpointer: the peer server brings its own. */
export const graph = echoGraph();
