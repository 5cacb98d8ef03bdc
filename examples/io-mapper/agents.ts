/**
 * Two agents whose schemas do not line up: prospect_finder answers with a nested prospect and
 * its interests, welcome_writer wants flat name, email, company and topics.
 */
import { Annotation, START, StateGraph } from "@langchain/langgraph";
import type { AgentACPDescriptor } from "agntcy-acp";

/** What prospect_finder answers for a company domain. */
export interface Prospect {
  prospect: { full_name: string; email_address: string; company: string };
  interests: string[];
  score: number;
}

/** The prospects the finder knows, by company domain. */
export const PROSPECTS: Record<string, Prospect> = {
  "analytical.example": {
    prospect: {
      full_name: "Ada Lovelace",
      email_address: "ada@analytical.example",
      company: "Analytical Engines",
    },
    interests: ["mathematics", "automation"],
    score: 92,
  },
  "compilers.example": {
    prospect: {
      full_name: "Grace Hopper",
      email_address: "grace@compilers.example",
      company: "Compilers Inc",
    },
    interests: ["languages", "debugging"],
    score: 88,
  },
};

const stringProp = { type: "string" } as const;

function descriptor(
  name: string,
  description: string,
  input: Record<string, unknown>,
  output: Record<string, unknown>,
): AgentACPDescriptor {
  return {
    metadata: { ref: { name, version: "1.0.0" }, description },
    specs: {
      capabilities: {
        threads: false,
        interrupts: false,
        callbacks: false,
        streaming: { values: true },
      },
      input,
      output,
      config: { type: "object", properties: {} },
    },
  };
}

/** The ACP descriptor of prospect_finder. */
export const prospectFinderDescriptor = descriptor(
  "org.example.prospect_finder",
  "Finds the best sales prospect at a company.",
  { type: "object", properties: { company_domain: stringProp }, required: ["company_domain"] },
  {
    type: "object",
    properties: {
      prospect: {
        type: "object",
        properties: { full_name: stringProp, email_address: stringProp, company: stringProp },
        required: ["full_name", "email_address", "company"],
      },
      interests: { type: "array", items: stringProp },
      score: { type: "number", description: "How likely the prospect is to buy, 0 to 100." },
    },
    required: ["prospect", "interests", "score"],
  },
);

/** The ACP descriptor of welcome_writer. */
export const welcomeWriterDescriptor = descriptor(
  "org.example.welcome_writer",
  "Writes a short welcome message to a new contact.",
  {
    type: "object",
    properties: {
      name: { type: "string", description: "The person's full name." },
      email: { type: "string", description: "Where to reach the person." },
      company: stringProp,
      topics: {
        type: "array",
        items: stringProp,
        description: "What to talk about: the person's interests.",
      },
    },
    required: ["name", "email", "company", "topics"],
  },
  { type: "object", properties: { message: stringProp }, required: ["message"] },
);

const FinderState = Annotation.Root({
  company_domain: Annotation<string>(),
  prospect: Annotation<Prospect["prospect"]>(),
  interests: Annotation<string[]>(),
  score: Annotation<number>(),
});

/** Builds the compiled prospect_finder graph. */
export function buildProspectFinderGraph() {
  return new StateGraph(FinderState)
    .addNode("find", (state: typeof FinderState.State) => {
      const found = PROSPECTS[state.company_domain];
      if (!found) throw new Error(`no prospect known at ${state.company_domain}`);
      return found;
    })
    .addEdge(START, "find")
    .compile();
}

const WriterState = Annotation.Root({
  name: Annotation<string>(),
  email: Annotation<string>(),
  company: Annotation<string>(),
  topics: Annotation<string[]>(),
  message: Annotation<string>(),
});

/** Builds the compiled welcome_writer graph. */
export function buildWelcomeWriterGraph() {
  return new StateGraph(WriterState)
    .addNode("write", (s: typeof WriterState.State) => ({
      message: `Hi ${s.name} (${s.email}), welcome from all of us to everyone at ${s.company}! Let's talk ${s.topics.join(" and ")}.`,
    }))
    .addEdge(START, "write")
    .compile();
}
