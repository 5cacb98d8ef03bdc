/**
 * The two agents of the A2A example: city_guide, called over ACP, answers a city's
 * highlights; itinerary_writer, called over A2A, asks how many days the trip lasts
 * (an `interrupt()`, which A2A shows as an `input-required` task) and writes a plan.
 * Their schemas differ, so the I/O mapper joins them.
 */
import { Annotation, interrupt, START, StateGraph } from "@langchain/langgraph";
import type { AgentACPDescriptor } from "agntcy-acp";

/** What city_guide knows, by the city asked for (lower case). */
export const CITIES: Record<string, { city_name: string; country: string; highlights: string[] }> =
  {
    lyon: {
      city_name: "Lyon",
      country: "France",
      highlights: [
        "Vieux Lyon",
        "Fourvière hill",
        "Les Halles Paul Bocuse",
        "Parc de la Tête d'Or",
      ],
    },
    porto: {
      city_name: "Porto",
      country: "Portugal",
      highlights: ["Ribeira", "Livraria Lello", "Dom Luís I Bridge", "Serralves"],
    },
  };

const stringProp = { type: "string" } as const;
const strings = { type: "array", items: stringProp } as const;

/** The ACP descriptor of city_guide. */
export const cityGuideDescriptor: AgentACPDescriptor = {
  metadata: {
    ref: { name: "org.example.city_guide", version: "1.0.0" },
    description: "Names the highlights of a city.",
  },
  specs: {
    capabilities: { threads: false, interrupts: false, callbacks: false, streaming: {} },
    input: { type: "object", properties: { city: stringProp }, required: ["city"] },
    output: {
      type: "object",
      properties: { city_name: stringProp, country: stringProp, highlights: strings },
      required: ["city_name", "country", "highlights"],
    },
    config: { type: "object", properties: {} },
  },
};

/** The ACP descriptor of itinerary_writer; the server's A2A card is read off it. */
export const itineraryWriterDescriptor: AgentACPDescriptor = {
  metadata: {
    ref: { name: "org.example.itinerary_writer", version: "1.0.0" },
    description: "Plans a trip day by day, after asking how many days it lasts.",
  },
  specs: {
    capabilities: {
      threads: false,
      interrupts: true,
      callbacks: false,
      streaming: { values: true },
    },
    input: {
      type: "object",
      properties: {
        destination: { type: "string", description: "The city name to plan the trip for." },
        places: { ...strings, description: "The highlights to visit." },
      },
      required: ["destination", "places"],
    },
    output: {
      type: "object",
      properties: { days: { type: "integer" }, itinerary: strings },
      required: ["days", "itinerary"],
    },
    config: { type: "object", properties: {} },
    interrupts: [
      {
        interrupt_type: "trip_length",
        interrupt_payload: {
          type: "object",
          properties: { question: stringProp },
          required: ["question"],
        },
        resume_payload: { type: "integer", minimum: 1 },
      },
    ],
  },
};

const GuideState = Annotation.Root({
  city: Annotation<string>(),
  city_name: Annotation<string>(),
  country: Annotation<string>(),
  highlights: Annotation<string[]>(),
});

/** Builds the compiled city_guide graph. */
export function buildCityGuideGraph() {
  return new StateGraph(GuideState)
    .addNode("look_up", (state: typeof GuideState.State) => {
      const found = CITIES[state.city.toLowerCase()];
      if (!found) throw new Error(`the guide knows nothing of ${state.city}`);
      return found;
    })
    .addEdge(START, "look_up")
    .compile();
}

const WriterState = Annotation.Root({
  destination: Annotation<string>(),
  places: Annotation<string[]>(),
  days: Annotation<number>(),
  itinerary: Annotation<string[]>(),
});

/** Builds the compiled itinerary_writer graph: it asks, then spreads the places over the days. */
export function buildItineraryWriterGraph() {
  return new StateGraph(WriterState)
    .addNode("plan", (state: typeof WriterState.State) => {
      const days = Number(interrupt({ question: `How many days in ${state.destination}?` }));
      const itinerary = Array.from({ length: days }, (_, day) => {
        const places = state.places.filter((_, i) => i % days === day);
        return `Day ${day + 1} in ${state.destination}: ${places.join(", ") || "free time"}`;
      });
      return { days, itinerary };
    })
    .addEdge(START, "plan")
    .compile();
}
