/**
 * The purchase agent: prices an order, asks for approval with `interrupt()`, and
 * places or drops the order by the answer.
 */
import { Annotation, interrupt, START, StateGraph } from "@langchain/langgraph";
import type { AgentACPDescriptor } from "agntcy-acp";

/** What the agent asks before it buys. */
export interface ApprovalRequest {
  question: string;
  total: number;
}

/** The answer it waits for. */
export interface ApprovalAnswer {
  approved: boolean;
}

const PurchaseState = Annotation.Root({
  item: Annotation<string>(),
  quantity: Annotation<number>(),
  unit_price: Annotation<number>(),
  status: Annotation<"ordered" | "declined">(),
  total: Annotation<number>(),
  order_id: Annotation<string | null>(),
});

/** The ACP descriptor of the purchase agent. */
export const purchaseDescriptor: AgentACPDescriptor = {
  metadata: {
    ref: { name: "org.example.purchaser", version: "1.0.0" },
    description: "Places an order once a person approves its total.",
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
        item: { type: "string" },
        quantity: { type: "integer", minimum: 1 },
        unit_price: { type: "number", minimum: 0 },
      },
      required: ["item", "quantity", "unit_price"],
    },
    output: {
      type: "object",
      properties: {
        status: { type: "string", enum: ["ordered", "declined"] },
        total: { type: "number" },
        order_id: { anyOf: [{ type: "string" }, { type: "null" }] },
      },
      required: ["status", "total"],
    },
    config: { type: "object", properties: {} },
    interrupts: [
      {
        interrupt_type: "purchase_approval",
        interrupt_payload: {
          type: "object",
          properties: { question: { type: "string" }, total: { type: "number" } },
          required: ["question", "total"],
        },
        resume_payload: {
          type: "object",
          properties: { approved: { type: "boolean" } },
          required: ["approved"],
        },
      },
    ],
  },
};

/** Builds the compiled purchase graph. */
export function buildPurchaseGraph() {
  return new StateGraph(PurchaseState)
    .addNode("purchase", (state: typeof PurchaseState.State) => {
      const total = Math.round(state.quantity * state.unit_price * 100) / 100;
      const request: ApprovalRequest = {
        question: `Buy ${state.quantity} x ${state.item} for ${total.toFixed(2)} EUR?`,
        total,
      };
      const answer = interrupt<ApprovalRequest, ApprovalAnswer>(request);
      return answer.approved
        ? {
            status: "ordered" as const,
            total,
            order_id: `PO-${state.quantity}-${Math.round(total * 100)}`,
          }
        : { status: "declined" as const, total, order_id: null };
    })
    .addEdge(START, "purchase")
    .compile();
}
