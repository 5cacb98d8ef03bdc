/** Templates for the page: htm's tagged templates over Preact, so no JSX build step. */
import htm from "htm";
import { h } from "preact";

/** Writes Preact elements as tagged template literals. */
export const html = htm.bind(h);
