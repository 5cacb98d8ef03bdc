import { Annotation, START, StateGraph } from "@langchain/langgraph";
import descriptor from "./descriptor.json" with { type: "json" };

const State = Annotation.Root({
  name: Annotation<string>,
  greeting: Annotation<string>,
});

const graph = new StateGraph(State)
  .addNode("greet", (state: typeof State.State) => ({ greeting: `Hello, ${state.name}!` }))
  .addEdge(START, "greet")
  .compile();

export const agents = [{ graph, descriptor }];
